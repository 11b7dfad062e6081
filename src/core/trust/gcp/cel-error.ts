// A rule, value or provider that cannot be written as CEL for Google: the message says why.
export class CelCompileError extends Error {}
