import { UserError } from '../../common/user-error.ts';
import { variants, isVariant, type Variant } from '../../shop/queries/product-list.ts';

/** `--variants before,after`: the product-list variants a command runs, in the order given, each once. */
export function parseVariants(raw: string): Variant[] {
  const list = raw
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (list.length === 0)
    throw new UserError(`--variants '${raw}' names no variant (accepted: ${variants.join(', ')}, comma-separated)`);
  for (const v of list)
    if (!isVariant(v)) throw new UserError(`unknown variant '${v}' (accepted: ${variants.join(', ')})`);
  return [...new Set(list)] as Variant[];
}

/** `--variant V` (or SHOP_QUERY_VARIANT): exactly one product-list variant. */
export function parseVariant(raw: string): Variant {
  const v = raw.trim();
  if (v.includes(','))
    throw new UserError(`variant '${raw}' names more than one (accepted: one of ${variants.join(', ')})`);
  if (!isVariant(v)) throw new UserError(`unknown variant '${v}' (accepted: ${variants.join(', ')})`);
  return v;
}
