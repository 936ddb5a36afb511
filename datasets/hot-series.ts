/**
 * The hot event series, shaped like a museum's time-slot shop in pretix (doc/user/events/guides/timeslots):
 * 40 entry slots a day, one admission quota per slot covering the admission products and their variations,
 * a second small quota every third slot for extras. Ids are fixed so tests and queries can name them.
 */
export const HOT_ORGANIZER = { id: 1, slug: 'citymuseum', name: 'City Museum' } as const;
export const HOT_EVENT = { id: 1, slug: 'timeslots', name: 'Museum admission' } as const;

/** The series starts on a fixed Monday, so one seed gives identical bytes on any day and every date is upcoming for years. */
export const SERIES_START_MS = Date.UTC(2030, 0, 7, 9, 0, 0);
export const SLOTS_PER_DAY = 40;
export const SLOT_MINUTES = 15;
export const EXTRAS_EVERY = 3;

export interface HotCategory {
  id: number;
  name: string;
  position: number;
  isAddon: boolean;
}

export const HOT_CATEGORIES: readonly HotCategory[] = [
  { id: 1, name: 'Admission', position: 0, isAddon: false },
  { id: 2, name: 'Extras', position: 1, isAddon: false },
  { id: 3, name: 'Add-ons', position: 2, isAddon: true },
];

export interface HotItem {
  id: number;
  name: string;
  categoryId: number;
  position: number;
  price: number;
  admission: boolean;
  /** which per-date quota holds it */
  quota: 'admission' | 'extras';
  variations: readonly { name: string; price: number | null }[];
  active?: boolean;
  requireVoucher?: boolean;
  hideWithoutVoucher?: boolean;
  /** sold only through the listed channels (pretix's item_limit_sales_channels) */
  channels?: readonly string[];
}

// Two variations per admission product: with 30,000 dates every extra variation adds 30,000 rows per product
// to what the incident query groups, and two put its cost alone near the ~1 s production saw.
const tour = (base: number) => [
  { name: 'Standard', price: null },
  { name: 'With guided tour', price: base + 4 },
];

export const HOT_ITEMS: readonly HotItem[] = [
  {
    id: 1,
    name: 'Adult',
    categoryId: 1,
    position: 0,
    price: 14,
    admission: true,
    quota: 'admission',
    variations: tour(14),
  },
  {
    id: 2,
    name: 'Reduced',
    categoryId: 1,
    position: 1,
    price: 9,
    admission: true,
    quota: 'admission',
    variations: tour(9),
  },
  {
    id: 3,
    name: 'Family',
    categoryId: 1,
    position: 2,
    price: 32,
    admission: true,
    quota: 'admission',
    variations: tour(32),
  },
  {
    id: 4,
    name: 'Group member',
    categoryId: 1,
    position: 3,
    price: 11,
    admission: true,
    quota: 'admission',
    variations: tour(11),
  },
  {
    id: 5,
    name: 'Free companion',
    categoryId: 1,
    position: 4,
    price: 0,
    admission: true,
    quota: 'admission',
    variations: [],
    requireVoucher: true,
    hideWithoutVoucher: true,
  },
  {
    id: 6,
    name: 'Audio guide',
    categoryId: 2,
    position: 0,
    price: 4,
    admission: false,
    quota: 'extras',
    variations: [],
  },
  {
    id: 7,
    name: 'Exhibition catalogue',
    categoryId: 2,
    position: 1,
    price: 25,
    admission: false,
    quota: 'extras',
    variations: [],
    channels: ['web'],
  },
  {
    id: 8,
    name: 'Children audio guide',
    categoryId: 3,
    position: 0,
    price: 2,
    admission: false,
    quota: 'extras',
    variations: [],
  },
  {
    id: 9,
    name: 'Admission 2029 (old)',
    categoryId: 1,
    position: 9,
    price: 12,
    admission: true,
    quota: 'admission',
    variations: [],
    active: false,
  },
];

/** Group tickets are not sold on Mondays; weekend slots cost more (pretix's SubEventItem overrides). */
export const GROUP_ITEM_ID = 4;
export const ADULT_ITEM_ID = 1;
export const WEEKEND_SURCHARGE = 2;

export function slotStartMs(index: number): number {
  const day = Math.floor(index / SLOTS_PER_DAY);
  const slot = index % SLOTS_PER_DAY;
  return SERIES_START_MS + day * 86_400_000 + slot * SLOT_MINUTES * 60_000;
}

/** 0 = Monday ... 6 = Sunday, for the slot at this index */
export function slotWeekday(index: number): number {
  return Math.floor(index / SLOTS_PER_DAY) % 7;
}

export function hasExtras(index: number): boolean {
  return index % EXTRAS_EVERY === 0;
}
