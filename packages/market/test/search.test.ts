import { describe, expect, it } from 'vitest'
import { parseSearchQuery } from '../src/index.js'
import { refusal } from './helpers.js'

describe('a search request', () => {
  it('defaults to every listing, 20 a page', () => {
    expect(parseSearchQuery({})).toEqual({ q: '', limit: 20 })
    expect(parseSearchQuery(undefined)).toEqual({ q: '', limit: 20 })
  })

  it('is normalized from a query string: text trimmed and spaced once, numbers parsed, licence spelled canonically', () => {
    expect(parseSearchQuery({
      q: '  shop \t purchases\n', kind: 'dataset', tag: 'retail', licence: 'mit', access: 'compute-only',
      minPrice: '0010', maxPrice: '5000', minRating: '4.5', cursor: 'WyJtYXJrZXQiXQ', limit: '50',
    })).toEqual({
      q: 'shop purchases', kind: 'dataset', tag: 'retail', licence: 'MIT', access: 'compute-only',
      minPrice: '10', maxPrice: '5000', minRating: 4.5, cursor: 'WyJtYXJrZXQiXQ', limit: 50,
    })
  })

  it('takes JSON numbers as well', () => {
    expect(parseSearchQuery({ minPrice: 0, minRating: 3, limit: 100 })).toEqual({ q: '', minPrice: '0', minRating: 3, limit: 100 })
  })

  it.each([
    ['a text over 200 characters', { q: 'q'.repeat(201) }, 'q'],
    ['a text with a control character', { q: 'a\u0000b' }, 'q'],
    ['an unknown kind', { kind: 'weights' }, 'kind'],
    ['a malformed tag', { tag: 'Has Space' }, 'tag'],
    ['an unknown licence', { licence: 'mine' }, 'licence'],
    ['an unknown access mode', { access: 'stream' }, 'access'],
    ['a negative price', { minPrice: '-1' }, 'minPrice'],
    ['a price with decimals', { maxPrice: '1.5' }, 'maxPrice'],
    ['a price range upside down', { minPrice: '10', maxPrice: '9' }, 'minPrice'],
    ['a rating above 5', { minRating: '5.5' }, 'minRating'],
    ['a rating that is not a number', { minRating: 'good' }, 'minRating'],
    ['a limit of 0', { limit: '0' }, 'limit'],
    ['a limit over 100', { limit: 101 }, 'limit'],
    ['a fractional limit', { limit: '2.5' }, 'limit'],
    ['an unknown field', { sort: 'price' }, 'query.sort'],
  ])('is refused with MARKET_INVALID_QUERY for %s', (_name, query, field) => {
    expect(refusal(() => parseSearchQuery(query))).toMatchObject({ code: 'MARKET_INVALID_QUERY', field })
  })

  it('refuses a cursor no list could have given out with INVALID_CURSOR', () => {
    expect(refusal(() => parseSearchQuery({ cursor: 'not a cursor!' }))).toMatchObject({ code: 'INVALID_CURSOR', field: 'cursor' })
    expect(refusal(() => parseSearchQuery({ cursor: 'a'.repeat(513) }))).toMatchObject({ code: 'INVALID_CURSOR' })
  })
})
