// supercolor's Node entry (the "node" condition of package.json exports): the same API as the
// browser entry (index.ts), running in a worker thread, plus the PNG/JPEG helpers the CLI uses.
//
//   import { createColorTransfer, decodeImage, encodePng } from 'supercolor';
import { installHost } from './host.js';
import { nodeHost } from './node-host.js';

installHost(nodeHost);

export * from './index.js';
export { decodeImage, encodePng, encodeJpeg } from './codec.js';
