/** Branded identifiers: structured-clone safe strings that the type checker keeps apart. */
export type AccountId = string & { readonly __brand: 'AccountId' }
/** A message's stable id: the `id` and XEP-0359 origin-id we put on what we send. */
export type MessageId = string & { readonly __brand: 'MessageId' }

export const asAccountId = (s: string): AccountId => s as AccountId
export const asMessageId = (s: string): MessageId => s as MessageId
