/**
 * A mistake the user can fix (a bad flag, a missing or corrupted file).
 *
 * The CLI prints `char-rnn: <message>` on one line, without a stack trace, and
 * exits with status 2. Anything else that is thrown is a bug and keeps its stack.
 * Messages are kept to a single line: newlines are folded into spaces.
 */
export class UserError extends Error {
  /** `message` is what the user reads; `options.cause` keeps the underlying error for debugging. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*\r?\n\s*/g, ' '), options);
    this.name = 'UserError';
  }
}

/**
 * A file could not be written or read back for a reason outside the
 * program: the disk is full, permission was withdrawn, the device failed.
 * The CLI prints `char-rnn: cannot write <file>: <cause>` and the `hint` on
 * one line and exits with status 1; atomic writes leave the previous version intact.
 */
export class FileWriteError extends Error {
  /** What the user can do about it ("fix that, then resume with: …"), printed after the message when set. */
  hint?: string;

  /** `file` is the path the program meant to write; `cause` the file-system error. */
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`cannot write ${file}: ${describeIoError(cause)}`, { cause });
    this.name = 'FileWriteError';
  }
}

/** True when `error` is a `FileWriteError` (also across module copies, by name). */
export function isFileWriteError(error: unknown): error is FileWriteError {
  return error instanceof FileWriteError || (error instanceof Error && error.name === 'FileWriteError');
}

const IO_CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
  EFBIG: 'file too large',
  EMFILE: 'too many open files',
};

/** A file-system error as a short phrase with its code: "no space left on device (ENOSPC)". */
export function describeIoError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && Object.hasOwn(IO_CAUSES, code)) return `${IO_CAUSES[code]} (${code})`;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\r?\n\s*/g, ' ');
}

/** True when `error` is a `UserError` (also across module copies, by name). */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError || (error instanceof Error && error.name === 'UserError');
}
