import { describe, expect, it } from 'vitest'
import { Expression, hclName, hclString, hclValue } from './hcl.js'

describe('HCL rendering', () => {
  it('escapes what HCL would interpret in a string', () => {
    expect(hclString('say "hi" \\ ${var.x} %{if} \n')).toBe('"say \\"hi\\" \\\\ $${var.x} %%{if} \\n"')
  })

  it('writes lists, objects and references', () => {
    expect(hclValue(['a', 'b'])).toBe('[\n  "a",\n  "b",\n]')
    expect(hclValue({ integration_id: 'int_1', entitlement_id: 'role:1:member' })).toBe('{\n  integration_id = "int_1"\n  entitlement_id = "role:1:member"\n}')
    expect(hclValue(new Expression('warden_app.crm.id'))).toBe('warden_app.crm.id')
    expect(hclValue(null)).toBe('null')
    expect(hclValue(30)).toBe('30')
  })

  it('makes Terraform names from labels', () => {
    expect(hclName('Sales CRM (EU)')).toBe('sales_crm_eu')
    expect(hclName('1Password')).toBe('r_1password')
  })
})
