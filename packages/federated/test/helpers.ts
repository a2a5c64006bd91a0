/** Helpers the federated tests share. */
import { W3aiError } from '@w3ai/protocol'

/** The code of the W3aiError `fn` throws; undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return err instanceof W3aiError ? err.code : `not a W3aiError: ${String(err)}`
  }
  return undefined
}
