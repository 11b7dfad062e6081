// Generated from package.json by scripts/build.mjs. Do not edit.
export const VERSION = "0.1.0";
