import { CORE_ERROR_CODES } from './params.generated.js';
import { PACKAGE_ERROR_CODES, type ErrorCode } from './types.js';

/** Every error supercolor raises itself: `code` tells the kind, `message` names the bad value. */
export class SupercolorError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'SupercolorError';
    this.code = code;
  }
}

/** The error an aborted transfer rejects with (name 'AbortError', like fetch). */
export function abortError(reason?: unknown): Error {
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const message = reason instanceof Error ? reason.message : 'the transfer was aborted';
  if (typeof DOMException !== 'undefined') return new DOMException(message, 'AbortError');
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}

/** Plain, structured-cloneable form of an error, for the worker protocol. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: String(error), code: 'internal' };
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([...CORE_ERROR_CODES, ...PACKAGE_ERROR_CODES]);

/** One of the documented codes: others' spellings (the feature runner's 'MODEL_INTEGRITY') are mapped, unknown ones are 'internal'. */
export function errorCode(code: unknown): ErrorCode {
  const c = typeof code === 'string' ? code.toLowerCase() : '';
  return ERROR_CODES.has(c) ? (c as ErrorCode) : 'internal';
}

export function deserializeError(error: SerializedError): Error {
  if (error.name === 'AbortError') return abortError(new Error(error.message));
  return new SupercolorError(errorCode(error.code), error.message);
}
