import { W3aiError } from '@w3ai/protocol'

/** The W3aiError `fn` throws ({ code, field }), or undefined when it returns. */
export function refusal(fn: () => unknown): { code: string; field?: string; message: string } | undefined {
  try {
    fn()
  } catch (e) {
    if (!(e instanceof W3aiError)) throw e
    const field = (e.details as { field?: string } | undefined)?.field
    return field === undefined ? { code: e.code, message: e.message } : { code: e.code, field, message: e.message }
  }
  return undefined
}

export const CID_A = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
export const CID_B = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
