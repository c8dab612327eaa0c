/** UserError: the one-line error the CLI prints without a stack. */
import { isUserError, UserError } from '../src/errors.js';

test('is an Error named UserError whose message is one line', () => {
  const error = new UserError('bad file\n  at line 3', { cause: new Error('inner') });
  expect(error).toBeInstanceOf(Error);
  expect(error.name).toBe('UserError');
  expect(error.message).toBe('bad file at line 3');
  expect((error.cause as Error).message).toBe('inner');
});

test('isUserError tells user mistakes from bugs', () => {
  expect(isUserError(new UserError('x'))).toBe(true);
  expect(isUserError(new Error('x'))).toBe(false);
  expect(isUserError('x')).toBe(false);
});
