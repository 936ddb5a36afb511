-- pretix-shaped tables that the presale shop touches (names and columns after pretix's models).
-- Tables are created without indexes: the generator bulk-loads them with COPY and then runs indexes.sql,
-- which is how a restore of a real pretix dump would build them too.

CREATE TABLE pretixbase_organizer (
  id integer NOT NULL,
  name varchar(200) NOT NULL,
  slug varchar(50) NOT NULL
);

CREATE TABLE pretixbase_saleschannel (
  id integer NOT NULL,
  organizer_id integer NOT NULL,
  identifier varchar(200) NOT NULL,
  label jsonb NOT NULL,
  type varchar(200) NOT NULL,
  position integer NOT NULL
);

CREATE TABLE pretixbase_event (
  id integer NOT NULL,
  organizer_id integer NOT NULL,
  name jsonb NOT NULL,
  slug varchar(50) NOT NULL,
  live boolean NOT NULL,
  testmode boolean NOT NULL DEFAULT false,
  currency varchar(10) NOT NULL,
  date_from timestamptz NOT NULL,
  date_to timestamptz,
  presale_start timestamptz,
  presale_end timestamptz,
  has_subevents boolean NOT NULL,
  is_public boolean NOT NULL,
  location jsonb,
  plugins text NOT NULL,
  comment text,
  last_modified timestamptz NOT NULL
);

CREATE TABLE pretixbase_subevent (
  id integer NOT NULL,
  event_id integer NOT NULL,
  active boolean NOT NULL DEFAULT false,
  is_public boolean NOT NULL,
  name jsonb NOT NULL,
  date_from timestamptz NOT NULL,
  date_to timestamptz,
  date_admission timestamptz,
  presale_start timestamptz,
  presale_end timestamptz,
  frontpage_text jsonb,
  location jsonb,
  comment text,
  last_modified timestamptz NOT NULL
);

CREATE TABLE pretixbase_taxrule (
  id integer NOT NULL,
  event_id integer NOT NULL,
  name jsonb NOT NULL,
  rate numeric(10,2) NOT NULL,
  price_includes_tax boolean NOT NULL
);

CREATE TABLE pretixbase_itemcategory (
  id integer NOT NULL,
  event_id integer NOT NULL,
  name jsonb NOT NULL,
  internal_name varchar(255),
  description jsonb NOT NULL,
  position integer NOT NULL,
  is_addon boolean NOT NULL,
  cross_selling_mode varchar(5)
);

-- The product row is deliberately wide, as in pretix: the incident query selects it whole, and the width of
-- the rows it groups is what made the sort spill to disk.
CREATE TABLE pretixbase_item (
  id integer NOT NULL,
  event_id integer NOT NULL,
  category_id integer,
  name jsonb NOT NULL,
  internal_name varchar(255),
  active boolean NOT NULL,
  description jsonb NOT NULL,
  default_price numeric(13,2) NOT NULL,
  free_price boolean NOT NULL,
  free_price_suggestion numeric(13,2),
  tax_rule_id integer,
  admission boolean NOT NULL,
  personalized boolean NOT NULL,
  position integer NOT NULL,
  picture varchar(255),
  available_from timestamptz,
  available_from_mode varchar(16) NOT NULL,
  available_until timestamptz,
  available_until_mode varchar(16) NOT NULL,
  hidden_if_available_id integer,
  hidden_if_item_available_id integer,
  require_voucher boolean NOT NULL,
  hide_without_voucher boolean NOT NULL,
  allow_cancel boolean NOT NULL,
  require_bundling boolean NOT NULL,
  min_per_order integer,
  max_per_order integer,
  checkin_attention boolean NOT NULL,
  checkin_text text,
  original_price numeric(13,2),
  require_approval boolean NOT NULL,
  generate_tickets boolean,
  show_quota_left boolean,
  allow_waitinglist boolean NOT NULL,
  issue_giftcard boolean NOT NULL,
  require_membership boolean NOT NULL,
  validity_mode varchar(16),
  media_policy varchar(16),
  all_sales_channels boolean NOT NULL,
  meta_data jsonb NOT NULL,
  created timestamptz NOT NULL
);

CREATE TABLE pretixbase_item_limit_sales_channels (
  id integer NOT NULL,
  item_id integer NOT NULL,
  saleschannel_id integer NOT NULL
);

CREATE TABLE pretixbase_itemvariation (
  id integer NOT NULL,
  item_id integer NOT NULL,
  value jsonb NOT NULL,
  active boolean NOT NULL,
  position integer NOT NULL,
  default_price numeric(13,2),
  original_price numeric(13,2),
  description jsonb,
  available_from timestamptz,
  available_until timestamptz,
  hide_without_voucher boolean NOT NULL,
  require_approval boolean NOT NULL,
  all_sales_channels boolean NOT NULL
);

CREATE TABLE pretixbase_itemaddon (
  id integer NOT NULL,
  base_item_id integer NOT NULL,
  addon_category_id integer NOT NULL,
  min_count integer NOT NULL,
  max_count integer NOT NULL,
  position integer NOT NULL,
  price_included boolean NOT NULL,
  multi_allowed boolean NOT NULL
);

CREATE TABLE pretixbase_quota (
  id integer NOT NULL,
  event_id integer NOT NULL,
  subevent_id integer,
  name varchar(200) NOT NULL,
  size integer,
  closed boolean NOT NULL,
  close_when_sold_out boolean NOT NULL,
  release_after_exit boolean NOT NULL,
  ignore_for_event_availability boolean NOT NULL,
  cached_availability_state integer,
  cached_availability_number integer,
  cached_availability_time timestamptz
);

CREATE TABLE pretixbase_quota_items (
  id integer NOT NULL,
  quota_id integer NOT NULL,
  item_id integer NOT NULL
);

CREATE TABLE pretixbase_quota_variations (
  id integer NOT NULL,
  quota_id integer NOT NULL,
  itemvariation_id integer NOT NULL
);

CREATE TABLE pretixbase_subeventitem (
  id integer NOT NULL,
  subevent_id integer NOT NULL,
  item_id integer NOT NULL,
  price numeric(13,2),
  disabled boolean NOT NULL,
  available_from timestamptz,
  available_until timestamptz
);

CREATE TABLE pretixbase_subeventitemvariation (
  id integer NOT NULL,
  subevent_id integer NOT NULL,
  variation_id integer NOT NULL,
  price numeric(13,2),
  disabled boolean NOT NULL,
  available_from timestamptz,
  available_until timestamptz
);

CREATE TABLE pretixbase_voucher (
  id integer NOT NULL,
  event_id integer NOT NULL,
  code varchar(255) NOT NULL,
  max_usages integer NOT NULL,
  redeemed integer NOT NULL,
  valid_until timestamptz,
  block_quota boolean NOT NULL,
  allow_ignore_quota boolean NOT NULL,
  price_mode varchar(100) NOT NULL,
  value numeric(13,2),
  item_id integer,
  variation_id integer,
  quota_id integer,
  subevent_id integer,
  tag varchar(255),
  comment text,
  created timestamptz NOT NULL
);

CREATE TABLE pretixbase_waitinglistentry (
  id integer NOT NULL,
  event_id integer NOT NULL,
  subevent_id integer,
  created timestamptz NOT NULL,
  email varchar(254) NOT NULL,
  voucher_id integer,
  item_id integer NOT NULL,
  variation_id integer,
  priority integer NOT NULL
);

CREATE TABLE pretixbase_order (
  id integer NOT NULL,
  organizer_id integer NOT NULL,
  event_id integer NOT NULL,
  code varchar(16) NOT NULL,
  status varchar(3) NOT NULL,
  testmode boolean NOT NULL,
  email varchar(254),
  locale varchar(32),
  secret varchar(32) NOT NULL,
  datetime timestamptz NOT NULL,
  expires timestamptz NOT NULL,
  total numeric(13,2) NOT NULL,
  comment text,
  require_approval boolean NOT NULL,
  sales_channel_id integer NOT NULL,
  last_modified timestamptz NOT NULL
);

CREATE TABLE pretixbase_orderposition (
  id integer NOT NULL,
  organizer_id integer NOT NULL,
  order_id integer NOT NULL,
  positionid integer NOT NULL,
  item_id integer NOT NULL,
  variation_id integer,
  subevent_id integer,
  price numeric(13,2) NOT NULL,
  tax_rate numeric(7,2) NOT NULL,
  tax_value numeric(13,2) NOT NULL,
  secret varchar(255) NOT NULL,
  attendee_name_cached varchar(255),
  attendee_email varchar(254),
  canceled boolean NOT NULL,
  voucher_id integer,
  addon_to_id integer
);

CREATE TABLE pretixbase_cartposition (
  id integer NOT NULL,
  event_id integer NOT NULL,
  cart_id varchar(255),
  item_id integer NOT NULL,
  variation_id integer,
  subevent_id integer,
  price numeric(13,2) NOT NULL,
  listed_price numeric(13,2),
  datetime timestamptz NOT NULL,
  expires timestamptz NOT NULL,
  voucher_id integer,
  addon_to_id integer,
  is_bundled boolean NOT NULL
);
