/** Local file checks of `w3ai storage`, so a wrong path fails before any upload or download. */
import { stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Stats } from 'node:fs'
import { W3aiError } from '@w3ai/protocol'

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
    throw new W3aiError('CLI_BAD_ARGUMENT', `${path} cannot be read: ${(err as Error).message}.`)
  }
}

/** The file to upload: it must exist and be a regular file. */
export async function checkInputFile(path: string): Promise<Stats> {
  const s = await statOrUndefined(path)
  if (s === undefined) throw new W3aiError('CLI_BAD_ARGUMENT', `No file at ${path}.`)
  if (!s.isFile()) throw new W3aiError('CLI_BAD_ARGUMENT', `${path} is ${s.isDirectory() ? 'a directory' : 'not a regular file'}; \`w3ai storage put\` takes one file.`)
  return s
}

/** Where a download goes: not a directory, and its directory must exist. */
export async function checkOutputFile(path: string): Promise<void> {
  const s = await statOrUndefined(path)
  if (s?.isDirectory() === true) throw new W3aiError('CLI_BAD_ARGUMENT', `${path} is a directory; give a file path.`)
  const parent = await statOrUndefined(dirname(path))
  if (parent?.isDirectory() !== true) throw new W3aiError('CLI_BAD_ARGUMENT', `The directory of ${path} does not exist.`)
}
