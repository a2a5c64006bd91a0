/**
 * The Fastify instance with w3ai's wire rules: raw JSON bodies kept for signatures, strict body
 * validation (no coercion, no silently dropped fields), query strings coerced, request ids on
 * every request and answer, one error shape.
 */
import { randomUUID } from 'node:crypto'
import { HEADER_REQUEST_ID, MAX_BODY_BYTES, W3aiError } from '@w3ai/protocol'
import { Ajv } from 'ajv'
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import { installErrorHandler } from './errors.js'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

export function createHttp(logLevel: string | false): FastifyInstance {
  const app = Fastify({
    logger: logLevel === false ? false : { level: logLevel },
    bodyLimit: MAX_BODY_BYTES,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers[HEADER_REQUEST_ID]
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: logLevel !== 'debug' && logLevel !== 'trace' }),
    forceCloseConnections: true,
  })

  const strict = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false })
  const lenient = new Ajv({ allErrors: false, coerceTypes: true, useDefaults: true, removeAdditional: false, strict: false })
  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'querystring' || httpPart === 'params' ? lenient.compile(schema) : strict.compile(schema),
  )

  // JSON only: any other media type is refused with UNSUPPORTED_MEDIA_TYPE.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer
    request.rawBody = raw
    if (raw.length === 0) {
      done(null, undefined)
      return
    }
    try {
      done(null, JSON.parse(raw.toString('utf8')))
    } catch {
      done(new W3aiError('INVALID_JSON'), undefined)
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    void reply.header(HEADER_REQUEST_ID, request.id)
    return payload
  })

  installErrorHandler(app)
  return app
}
