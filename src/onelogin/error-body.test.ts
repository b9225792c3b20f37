import { describe, expect, it } from 'vitest'
import { errorMessageFromBody } from './error-body.js'

describe('errorMessageFromBody', () => {
  it('reads the v1 status object', () => {
    expect(errorMessageFromBody('{"status":{"error":true,"code":401,"type":"Unauthorized","message":"Authentication Failure"}}')).toBe('Authentication Failure')
  })
  it('reads a v1 message object', () => {
    const body = '{"status":{"error":true,"code":400,"type":"bad request","message":{"attribute":"role_id_array","description":"role_id_array has incorrect data type. It should be -> array"}}}'
    expect(errorMessageFromBody(body)).toBe('role_id_array: role_id_array has incorrect data type. It should be -> array')
  })
  it('reads the v2 shape whatever the key order', () => {
    expect(errorMessageFromBody('{"statusCode":404,"name":"NotFoundError","message":"The resource with the given id could not be found"}')).toBe(
      'The resource with the given id could not be found',
    )
  })
  it('reads the roles-service shape', () => {
    expect(errorMessageFromBody('{"status":400,"error":"BadRequestError","description":"Expected array in request"}')).toBe('Expected array in request')
  })
  it('reads the mappings 422 shape', () => {
    expect(errorMessageFromBody('{"code":422,"message":"Validation Failed","errors":[{"field":"enabled","message":["Required field is missing"]}]}')).toBe(
      'Validation Failed: enabled Required field is missing',
    )
  })
  it('reads the edge 429 HTML page', () => {
    const html = '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n'
    expect(errorMessageFromBody(html)).toBe('429 Too Many Requests')
  })
  it('returns undefined for an empty or uninformative body', () => {
    expect(errorMessageFromBody('')).toBeUndefined()
    expect(errorMessageFromBody('{}')).toBeUndefined()
  })
})
