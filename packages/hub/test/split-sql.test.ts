import { describe, expect, it } from 'vitest'
import { splitSqlStatements } from '../src/db/split-sql.js'

describe('splitting a migration into statements', () => {
  it('splits at the semicolons that end statements and drops comments', () => {
    const sql = `-- a table; and a comment
CREATE TABLE a (id int); /* block; comment */ CREATE INDEX a_id ON a (id);
INSERT INTO a VALUES (1)`
    expect(splitSqlStatements(sql)).toEqual(['CREATE TABLE a (id int)', 'CREATE INDEX a_id ON a (id)', 'INSERT INTO a VALUES (1)'])
  })

  it('keeps a $$-quoted function body whole, semicolons and all', () => {
    const sql = `CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch();`
    const [fn, trigger] = splitSqlStatements(sql)
    expect(fn).toContain('RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql')
    expect(trigger).toBe('CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch()')
  })

  it('keeps tagged dollar quotes, with $$ inside them, and does not take $1 for a quote', () => {
    const sql = `DO $body$ BEGIN PERFORM 'x;$$'; END $body$; SELECT $1::int; SELECT 'it''s; fine', "odd;name" FROM a`
    expect(splitSqlStatements(sql)).toEqual([`DO $body$ BEGIN PERFORM 'x;$$'; END $body$`, 'SELECT $1::int', `SELECT 'it''s; fine', "odd;name" FROM a`])
  })

  it('ignores semicolons in nested block comments and in line comments', () => {
    expect(splitSqlStatements('SELECT 1 /* a /* nested; */ still; */ + 1; -- tail; here\nSELECT 2')).toEqual(['SELECT 1   + 1', 'SELECT 2'])
  })

  it('refuses unterminated quotes and comments instead of guessing', () => {
    expect(() => splitSqlStatements('SELECT $$ open')).toThrow(/dollar-quoted/)
    expect(() => splitSqlStatements("SELECT 'open")).toThrow(/string/)
    expect(() => splitSqlStatements('SELECT /* open')).toThrow(/comment/)
  })
})
