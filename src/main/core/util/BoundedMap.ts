/** A Map that forgets its oldest entries beyond `limit`: for "recently seen" sets fed by the network. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super()
  }

  override set(key: K, value: V): this {
    if (super.has(key)) super.delete(key)
    super.set(key, value)
    if (this.size > this.limit) {
      const oldest = this.keys().next()
      if (!oldest.done) super.delete(oldest.value)
    }
    return this
  }
}
