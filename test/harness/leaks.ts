// The leak scan: does any secret (a token, a secret key, a session token, a bearer) appear in
// what people or later steps can see, as is, URL-encoded, or base64/base64url-encoded at
// any byte alignment inside a larger encoded blob?

/** The core of the base64 (or base64url) of `secret` when it starts at byte offset `shift` mod 3. */
function base64Cores(secret: string, url: boolean): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret)]).toString(url ? 'base64url' : 'base64').replace(/=+$/, '');
    // Drop the characters that mix in the neighbouring bytes: what stays is the same wherever it sits.
    return encoded.slice(Math.ceil((shift * 4) / 3) + 1, -2);
  });
}

export function encodedForms(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), ...base64Cores(secret, false), ...base64Cores(secret, true)];
  return [...new Set(forms.filter((form) => form.length >= 12))];
}

/** `where: form` for every secret found in any of the texts; empty when nothing leaked. */
export function findLeaks(texts: Readonly<Record<string, string>>, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const secret of secrets.filter((value) => value.length >= 12)) {
    const forms = encodedForms(secret);
    for (const [where, text] of Object.entries(texts)) {
      const form = forms.find((candidate) => text.includes(candidate));
      if (form !== undefined) found.push(`${where}: ${form === secret ? 'as is' : `encoded (${form.slice(0, 12)}…)`} — secret ${secret.slice(0, 6)}…`);
    }
  }
  return found;
}
