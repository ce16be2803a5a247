import { xml, type Element } from '../../xml'
import type { RegistrationField } from '../../../../shared/model/errors'

export const NS_DATA = 'jabber:x:data'

export type FieldType = RegistrationField['type'] | 'jid-single' | 'jid-multi' | 'list-multi'

export interface DataFormField {
  var: string
  type: FieldType
  label: string
  required: boolean
  values: string[]
  options: { label: string; value: string }[]
  /** XEP-0221 media: URIs (often `cid:` into XEP-0231 data) with their MIME types. */
  media: { type: string; uri: string }[]
}

export interface DataForm {
  type: 'form' | 'submit' | 'cancel' | 'result'
  title: string
  instructions: string
  formType: string
  fields: DataFormField[]
}

const FIELD_TYPES = new Set<FieldType>([
  'boolean', 'fixed', 'hidden', 'jid-multi', 'jid-single', 'list-multi', 'list-single', 'text-multi', 'text-private', 'text-single'
])

/** The first value of the field `name`; undefined when the form has no such field (or it is empty). */
export function fieldValue(form: DataForm | undefined, name: string): string | undefined {
  return form?.fields.find((f) => f.var === name)?.values[0]
}

/** XEP-0004 §3 parse; unknown field types read as text-single (as the XEP says) and nothing throws. */
export function parseDataForm(x: Element): DataForm {
  const fields = x.getChildren('field').map(parseField)
  const type = String(x.attrs.type ?? 'form')
  return {
    type: type === 'submit' || type === 'cancel' || type === 'result' ? type : 'form',
    title: x.getChildText('title') ?? '',
    instructions: x.getChildren('instructions').map((i) => i.text()).join('\n'),
    formType: fields.find((f) => f.var === 'FORM_TYPE' && f.type === 'hidden')?.values[0] ?? '',
    fields
  }
}

function parseField(f: Element): DataFormField {
  const rawType = String(f.attrs.type ?? 'text-single') as FieldType
  const media = f.getChild('media', 'urn:xmpp:media-element')
  return {
    var: String(f.attrs.var ?? ''),
    type: FIELD_TYPES.has(rawType) ? rawType : 'text-single',
    label: String(f.attrs.label ?? ''),
    required: f.getChild('required') !== undefined,
    values: f.getChildren('value').map((v) => v.text()),
    options: f.getChildren('option').map((o) => ({ label: String(o.attrs.label ?? o.getChildText('value') ?? ''), value: o.getChildText('value') ?? '' })),
    media: media ? media.getChildren('uri').map((u) => ({ type: String(u.attrs.type ?? ''), uri: u.text().trim() })) : []
  }
}

/**
 * A submit form answering `form`: hidden fields are echoed back unchanged (FORM_TYPE, CAPTCHA
 * challenge ids), the rest take `values` (a missing value keeps the form's default).
 */
export function buildSubmit(form: DataForm, values: Record<string, string | string[]>): Element {
  const x = xml('x', { xmlns: NS_DATA, type: 'submit' })
  for (const field of form.fields) {
    if (!field.var || field.type === 'fixed') continue
    const given = field.type === 'hidden' ? undefined : values[field.var]
    const list = given === undefined ? field.values : Array.isArray(given) ? given : field.type.endsWith('-multi') ? lines(given, field.type) : [given]
    x.append(xml('field', { var: field.var }, ...list.map((v) => xml('value', {}, v))))
  }
  return x
}

/** XEP-0004 §3.3: a multi-line answer to a *-multi field goes as one <value/> per line (no blank JIDs or options). */
function lines(answer: string, type: FieldType): string[] {
  const all = answer.split(/\r\n|\r|\n/)
  return type === 'text-multi' ? all : all.map((l) => l.trim()).filter((l) => l !== '')
}
