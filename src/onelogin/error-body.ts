/**
 * OneLogin's message from an error body, whichever of its shapes it came in
 * (onelogin-api.md §9):
 *   v1:            {"status":{"error":true,"code":400,"type":"bad request","message":"..." | {"attribute","description"}}}
 *   v2:            {"message":"...","statusCode":401,"name":"UnauthorizedError"}
 *   roles service: {"status":400,"error":"BadRequestError","description":"..."}
 *   mappings 422:  {"code":422,"message":"Validation Failed","errors":[{"field":"...","message":["..."]}]}
 * and the edge's 429, which is HTML. Returns undefined when nothing useful can be read.
 */
export function errorMessageFromBody(text: string): string | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  let body: unknown
  try {
    body = JSON.parse(trimmed)
  } catch {
    return htmlOrTextMessage(trimmed)
  }
  if (!isRecord(body)) return typeof body === 'string' ? body : undefined

  const status = body['status']
  if (isRecord(status)) {
    const m = status['message']
    if (typeof m === 'string') return m
    if (isRecord(m)) {
      const description = typeof m['description'] === 'string' ? m['description'] : undefined
      const attribute = typeof m['attribute'] === 'string' ? m['attribute'] : undefined
      if (description !== undefined) return attribute === undefined ? description : `${attribute}: ${description}`
    }
  }
  const errors = body['errors']
  if (Array.isArray(errors) && errors.length > 0) {
    const parts = errors.filter(isRecord).map((e) => {
      const field = typeof e['field'] === 'string' ? e['field'] : '?'
      const messages = Array.isArray(e['message']) ? e['message'].join(', ') : String(e['message'] ?? '')
      return `${field} ${messages}`.trim()
    })
    const head = typeof body['message'] === 'string' ? `${body['message']}: ` : ''
    return head + parts.join('; ')
  }
  if (typeof body['message'] === 'string') return body['message']
  // The unlock endpoint's success body spells it "messsage"; harmless to read here too.
  if (typeof body['description'] === 'string') return body['description']
  return undefined
}

function htmlOrTextMessage(text: string): string | undefined {
  // OneLogin's edge (HAProxy) answers 429 with a small HTML page; keep its heading.
  const h1 = /<h1>([^<]*)<\/h1>/i.exec(text)
  if (h1?.[1]) return h1[1].trim()
  const plain = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()
  return plain === '' ? undefined : plain.slice(0, 200)
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
