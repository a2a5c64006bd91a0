/**
 * Splits a migration script into statements at the semicolons that end them, the way PostgreSQL's
 * lexer sees the text: a semicolon inside a string ('it''s;'), a quoted identifier ("a;b"), a
 * dollar-quoted body ($$ … $$ or $fn$ … $fn$, as function and DO bodies are written), a line
 * comment or a block comment (nested, as PostgreSQL allows) ends nothing. Comments are dropped.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = []
  let current = ''
  let i = 0
  const flush = (): void => {
    const s = current.trim()
    if (s !== '') statements.push(s)
    current = ''
  }
  while (i < sql.length) {
    const c = sql[i]!
    const next = sql[i + 1]
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end
      continue
    }
    if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i)
      current += ' '
      continue
    }
    if (c === "'" || c === '"') {
      const end = skipQuoted(sql, i, c)
      current += sql.slice(i, end)
      i = end
      continue
    }
    if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))?.[0]
      // `$1` (a parameter) or a `$` inside an identifier is no quote.
      if (tag !== undefined && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const close = sql.indexOf(tag, i + tag.length)
        if (close === -1) throw new SyntaxError(`unterminated dollar-quoted string ${tag} in a migration`)
        current += sql.slice(i, close + tag.length)
        i = close + tag.length
        continue
      }
    }
    if (c === ';') {
      flush()
      i++
      continue
    }
    current += c
    i++
  }
  flush()
  return statements
}

/** The index just past a quoted string or identifier starting at `start` (a doubled quote escapes it). */
function skipQuoted(sql: string, start: number, quote: string): number {
  let i = start + 1
  for (;;) {
    const end = sql.indexOf(quote, i)
    if (end === -1) throw new SyntaxError(`unterminated ${quote === "'" ? 'string' : 'quoted identifier'} in a migration`)
    if (sql[end + 1] === quote) {
      i = end + 2
      continue
    }
    return end + 1
  }
}

/** The index just past a block comment starting at `start`; block comments nest in PostgreSQL. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0
  let i = start
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else i++
  }
  throw new SyntaxError('unterminated block comment in a migration')
}
