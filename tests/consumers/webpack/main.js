import * as supercolor from 'supercolor';
import { run } from './app.js';

run(supercolor);
