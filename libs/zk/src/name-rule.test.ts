import { InvalidNameError } from './errors';
import { MAX_NAME_LENGTH, isValidName } from './name-rule';
import { validateName } from './names';

describe('the name rule', () => {
  it('takes letters, digits, _ - and ., starting with a letter or digit, up to the limit', () => {
    for (const ok of ['a', 'riak-default-1', 'A.b_c-9', '9lives', 'x'.repeat(MAX_NAME_LENGTH)]) {
      expect(isValidName(ok)).toBe(true);
      expect(validateName('node', ok)).toBe(ok);
    }
  });

  it('refuses the rest, and validateName says what is wrong', () => {
    const bad: [unknown, RegExp][] = [
      ['', /must not be empty/],
      ['.', /found '\.'/],
      ['..', /found '\.'/],
      ['-a', /found '-'/],
      ['a/b', /found '\/'/],
      ['a b', /found ' '/],
      ['a\u0000', /found U\+0000/],
      ['x'.repeat(MAX_NAME_LENGTH + 1), /at most 100/],
      [7, /must be a string/],
    ];
    for (const [value, why] of bad) {
      expect(isValidName(value)).toBe(false);
      expect(() => validateName('node', value)).toThrow(InvalidNameError);
      expect(() => validateName('node', value)).toThrow(why);
    }
  });
});
