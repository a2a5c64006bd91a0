/**
 * The Fastify instance with w3ai's wire rules: raw JSON bodies kept for signatures, strict body
 * validation (no coercion, no silently dropped fields), query strings coerced, request ids on
 * every request and answer, one error shape for every refusal (Fastify's and Node's included),
 * a small default body limit (routes that need more declare their own).
 */
import { randomUUID } from 'node:crypto'
import { HEADER_REQUEST_ID, W3aiError } from '@w3ai/protocol'
import { Ajv } from 'ajv'
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify'
import { HUB_DEFAULTS } from '../constants.js'
import { clientErrorHandler, installErrorHandler, toW3aiError } from './errors.js'
import { closeAfterEarlyRefusal, installStringGuard } from './limits.js'

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

export function createHttp(logLevel: string | false): FastifyInstance {
  const app = Fastify({
    logger: logLevel === false ? false : { level: logLevel },
    bodyLimit: HUB_DEFAULTS.bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers[HEADER_REQUEST_ID]
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID()
    },
    logController: new LogController({ requestIdLogLabel: 'reqId', disableRequestLogging: logLevel !== 'debug' && logLevel !== 'trace' }),
    forceCloseConnections: true,
    clientErrorHandler,
    // Errors Fastify raises before routing (a malformed URL) get the standard body too.
    frameworkErrors: (err, request, reply) => {
      const e = toW3aiError(err)
      void (reply as FastifyReply).status(e.status).header(HEADER_REQUEST_ID, request.id).send(e.toBody(request.id))
    },
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
  installStringGuard(app)
  closeAfterEarlyRefusal(app)
  installErrorHandler(app)
  return app
}
