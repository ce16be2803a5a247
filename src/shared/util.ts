/** Exhaustiveness guard for `switch` statements over unions: the compiler rejects a forgotten case. */
export function missingCase(value: never): never {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`)
}
