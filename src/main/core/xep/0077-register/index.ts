import { xml, type Element } from '../../xml'
import type { RegistrationFormView } from '../../../../shared/model/errors'
import { CoreError } from '../../errors'
import type { IqCaller } from '../../stream/IqCaller'
import { buildSubmit, NS_DATA, parseDataForm, type DataForm } from '../0004-data-forms'

export const NS_REGISTER = 'jabber:iq:register'
export const NS_REGISTER_FEATURE = 'http://jabber.org/features/iq-register'
const NS_OOB = 'jabber:x:oob'
const NS_BOB = 'urn:xmpp:bob'
const LEGACY_FIELDS = ['username', 'nick', 'password', 'name', 'first', 'last', 'email', 'address', 'city', 'state', 'zip', 'phone', 'url', 'date', 'misc', 'text', 'key']
const SAFE_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])

/** What the server asked for, kept with the raw data form so that a submission can echo it. */
export interface RegistrationForm {
  view: RegistrationFormView
  dataForm: DataForm | null
  /** The server says this account is already registered (XEP-0077 <registered/>). */
  registered: boolean
}

export interface RegistrationRequest {
  username: string
  password: string
  /** Answers for extra fields (e-mail, CAPTCHA…), by field name. */
  extra?: Record<string, string>
}

/** Asks the server for its registration form (XEP-0077 §3.1). */
export async function fetchRegistrationForm(iqCaller: IqCaller, domain: string): Promise<RegistrationForm> {
  try {
    const iq = await iqCaller.get(xml('query', { xmlns: NS_REGISTER }), domain)
    const query = iq.getChild('query', NS_REGISTER)
    if (!query) throw new CoreError('registration-closed', 'The server answered without a registration form')
    return parseRegistrationForm(query, iq)
  } catch (err) {
    throw registrationError(err)
  }
}

export function parseRegistrationForm(query: Element, iq?: Element): RegistrationForm {
  const x = query.getChild('x', NS_DATA)
  const dataForm = x ? parseDataForm(x) : null
  const oob = query.getChild('x', NS_OOB)?.getChildText('url') ?? undefined
  const view: RegistrationFormView = {
    instructions: dataForm?.instructions || (query.getChildText('instructions') ?? ''),
    fields: dataForm
      ? dataForm.fields.filter((f) => f.var !== '').map((f) => ({
          name: f.var,
          label: f.label || f.var,
          type: f.type === 'jid-single' ? 'text-single' : f.type === 'jid-multi' || f.type === 'list-multi' ? 'text-multi' : f.type,
          required: f.required,
          value: f.values[0] ?? '',
          ...(f.options.length > 0 ? { options: f.options } : {})
        }))
      : LEGACY_FIELDS.filter((name) => query.getChild(name) !== undefined).map((name) => ({
          name,
          label: name,
          type: name === 'password' ? ('text-private' as const) : ('text-single' as const),
          required: true,
          value: query.getChildText(name) ?? ''
        })),
    dataForm: dataForm !== null,
    ...(dataForm?.formType ? { formType: dataForm.formType } : {}),
    ...(oob ? { url: oob } : {})
  }
  // XEP-0231 data sits next to the query (XEP-0158 examples) or inside it (ejabberd): look in both.
  const media = dataForm ? captchaMedia(dataForm, [...query.getChildren('data', NS_BOB), ...(iq?.getChildren('data', NS_BOB) ?? [])]) : []
  if (media.length > 0) view.media = media
  return { view, dataForm, registered: query.getChild('registered') !== undefined }
}

/** CAPTCHA images (XEP-0221 media with XEP-0231 data in the same IQ), only as raster data URLs. */
function captchaMedia(form: DataForm, data: Element[]): NonNullable<RegistrationFormView['media']> {
  const blobs = new Map(data.map((d) => [String(d.attrs.cid ?? ''), d]))
  const out: NonNullable<RegistrationFormView['media']> = []
  for (const field of form.fields) {
    for (const m of field.media) {
      const blob = m.uri.startsWith('cid:') ? blobs.get(m.uri.slice(4)) : undefined
      const type = String(blob?.attrs.type ?? m.type)
      if (!blob || !SAFE_IMAGE_TYPES.has(type)) continue
      const base64 = blob.text().replace(/\s+/g, '')
      if (base64 === '' || base64.length > 2_000_000 || !/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) continue
      out.push({ field: field.var, type, dataUrl: `data:${type};base64,${base64}` })
    }
  }
  return out
}

/** Fields the user still has to fill in, beyond username and password. */
export function missingFields(form: RegistrationForm, request: RegistrationRequest): string[] {
  const answered = new Set(['username', 'password', ...Object.keys(request.extra ?? {})])
  return form.view.fields
    .filter((f) => f.required && f.type !== 'hidden' && f.type !== 'fixed' && !answered.has(f.name) && f.value === '')
    .map((f) => f.name)
}

/** Submits a registration (XEP-0077 §3.1 / data form). Throws the typed registration errors. */
export async function submitRegistration(iqCaller: IqCaller, domain: string, form: RegistrationForm, request: RegistrationRequest): Promise<void> {
  const values: Record<string, string> = { ...request.extra, username: request.username, password: request.password }
  const query = xml('query', { xmlns: NS_REGISTER })
  if (form.dataForm) {
    query.append(buildSubmit(form.dataForm, values))
  } else {
    const names = form.view.fields.length > 0 ? form.view.fields.map((f) => f.name) : ['username', 'password']
    for (const name of names) query.append(xml(name, {}, values[name] ?? ''))
  }
  try {
    await iqCaller.set(query, domain)
  } catch (err) {
    throw registrationError(err)
  }
}

/** XEP-0077 §3.3: change the password of the logged-in account. */
export async function changePassword(iqCaller: IqCaller, domain: string, username: string, password: string): Promise<void> {
  await iqCaller.set(xml('query', { xmlns: NS_REGISTER }, xml('username', {}, username), xml('password', {}, password)), domain)
}

/** XEP-0077 §3.2: delete the logged-in account from the server. */
export async function cancelRegistration(iqCaller: IqCaller, domain: string): Promise<void> {
  await iqCaller.set(xml('query', { xmlns: NS_REGISTER }, xml('remove')), domain)
}

/** Maps the stanza errors of XEP-0077 §3.1 / §8 onto what a person needs to know. */
export function registrationError(err: unknown): CoreError {
  if (!(err instanceof CoreError)) return new CoreError('internal', String(err))
  if (err.code !== 'stanza-error') return err
  switch (err.condition) {
    case 'conflict':
      return new CoreError('registration-conflict', err.detail, { condition: err.condition })
    case 'not-acceptable':
    case 'bad-request':
    case 'jid-malformed':
      return new CoreError('registration-invalid', err.detail, { condition: err.condition })
    case 'resource-constraint':
    case 'policy-violation':
      return new CoreError('registration-throttled', err.detail, { condition: err.condition })
    case 'not-allowed':
    case 'forbidden':
    case 'service-unavailable':
    case 'feature-not-implemented':
    case 'registration-required':
      return new CoreError('registration-closed', err.detail, { condition: err.condition })
    default:
      return err
  }
}
