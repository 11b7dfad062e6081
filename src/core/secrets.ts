// The secrets of a run (token, keys, session token, a masked account ID): each is handed to
// the platform's masking the moment it exists, and stripped from any text we print, so a
// bug in a message cannot leak one even where the platform would not mask it.

export class Secrets {
  readonly #values = new Set<string>();
  readonly #platformMask: (secret: string) => void;

  constructor(platformMask: (secret: string) => void) {
    this.#platformMask = platformMask;
  }

  readonly add = (secret: string): void => {
    if (secret === '' || this.#values.has(secret)) return;
    this.#values.add(secret);
    this.#platformMask(secret);
  };

  readonly redact = (text: string): string => {
    let result = text;
    const longestFirst = [...this.#values].sort((a, b) => b.length - a.length);
    for (const secret of longestFirst) {
      for (const form of [secret, encodeURIComponent(secret)]) result = result.split(form).join('***');
    }
    return result;
  };
}
