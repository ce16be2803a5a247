/** A person's profile (vCard4 XEP-0292 / vcard-temp XEP-0054), as plain data. */
export interface Profile {
  /** Formatted name ("Juliet Capulet"). */
  fn: string
  nickname: string
  given: string
  family: string
  email: string[]
  tel: string[]
  /** Web pages: http(s) only. */
  url: string[]
  /** Chat addresses as URIs (`xmpp:juliet@example.org`). */
  impp: string[]
  note: string
  org: string
  title: string
  role: string
  /** Birthday as written (`1990-05-17`, `--05-17`). */
  bday: string
}
