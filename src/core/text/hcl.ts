// Terraform's HCL string literals, for every Terraform claimcheck writes (AWS trust policies,
// Google providers).

const INVISIBLE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u;

/**
 * A string as an HCL literal. Claim values are untrusted: `${` and `%{` would start a
 * Terraform interpolation or directive (a branch named `fix-${var.db_password}` would put a
 * secret into the policy), so they are written `$${` and `%%{`; quotes, backslashes, control,
 * bidi, zero-width and other invisible characters are escaped as HCL reads them (\u, \U).
 */
export function hclString(text: string): string {
  const body = Array.from(text)
    .map((char) => {
      if (char === '"' || char === '\\') return `\\${char}`;
      const code = char.codePointAt(0) as number;
      if (INVISIBLE.test(char)) return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      return char;
    })
    .join('')
    .replaceAll('${', () => '$${')
    .replaceAll('%{', () => '%%{');
  return `"${body}"`;
}
