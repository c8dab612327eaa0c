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

/** True when `error` is a `UserError` (also across module copies, by name). */
export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError || (error instanceof Error && error.name === 'UserError');
}
