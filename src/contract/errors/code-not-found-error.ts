import { TempNumberError } from './tempnumber-error.ts';

/**
 * An SMS arrived but no code could be read from it: the pattern of `phone.code({ pattern })`
 * matched nothing, or there was no pattern and neither the API nor the default pattern found
 * one. The message quotes the SMS text so the pattern can be fixed.
 */
export class CodeNotFoundError extends TempNumberError {
  override name = 'CodeNotFoundError';
  readonly text: string;
  readonly pattern: string | undefined;

  constructor(init: { text: string; pattern: string | undefined; number?: string }) {
    const where = init.number ? ` to ${init.number}` : '';
    const why =
      init.pattern === undefined
        ? 'The API gave no code and no run of 4–8 digits was found; pass `pattern` to say where the code is.'
        : `The pattern ${init.pattern} matched nothing; fix the pattern to fit this message.`;
    super(`The SMS${where} contains no code: ${JSON.stringify(init.text)}. ${why}`);
    this.text = init.text;
    this.pattern = init.pattern;
  }
}
