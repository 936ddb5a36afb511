-- Built after the bulk load. Django gives every primary key, every unique constraint and every foreign key
-- its own btree index; these are the ones pretix declares on the tables the shop touches. Note what is
-- missing, as in pretix: there is no index on subevent.date_from.
-- Foreign-key constraints are left out: the generator writes consistent ids, and validating them would only
-- slow seeding without changing any plan the load test measures.

ALTER TABLE pretixbase_organizer ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_organizer_slug_key ON pretixbase_organizer (slug);

ALTER TABLE pretixbase_saleschannel ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_saleschannel_org_identifier ON pretixbase_saleschannel (organizer_id, identifier);

ALTER TABLE pretixbase_event ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_event_organizer_id_slug ON pretixbase_event (organizer_id, slug);
CREATE INDEX pretixbase_event_organizer_id ON pretixbase_event (organizer_id);
CREATE INDEX pretixbase_event_slug ON pretixbase_event (slug);

ALTER TABLE pretixbase_subevent ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_subevent_event_id ON pretixbase_subevent (event_id);
CREATE INDEX pretixbase_subevent_last_modified ON pretixbase_subevent (last_modified);

ALTER TABLE pretixbase_taxrule ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_taxrule_event_id ON pretixbase_taxrule (event_id);

ALTER TABLE pretixbase_itemcategory ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_itemcategory_event_id ON pretixbase_itemcategory (event_id);

ALTER TABLE pretixbase_item ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_item_event_id ON pretixbase_item (event_id);
CREATE INDEX pretixbase_item_category_id ON pretixbase_item (category_id);
CREATE INDEX pretixbase_item_tax_rule_id ON pretixbase_item (tax_rule_id);
CREATE INDEX pretixbase_item_hidden_if_available_id ON pretixbase_item (hidden_if_available_id);
CREATE INDEX pretixbase_item_hidden_if_item_available_id ON pretixbase_item (hidden_if_item_available_id);

ALTER TABLE pretixbase_item_limit_sales_channels ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_item_limit_sales_channels_uniq ON pretixbase_item_limit_sales_channels (item_id, saleschannel_id);
CREATE INDEX pretixbase_item_limit_sales_channels_saleschannel_id ON pretixbase_item_limit_sales_channels (saleschannel_id);

ALTER TABLE pretixbase_itemvariation ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_itemvariation_item_id ON pretixbase_itemvariation (item_id);

ALTER TABLE pretixbase_itemaddon ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_itemaddon_base_item_id ON pretixbase_itemaddon (base_item_id);
CREATE INDEX pretixbase_itemaddon_addon_category_id ON pretixbase_itemaddon (addon_category_id);

ALTER TABLE pretixbase_quota ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_quota_event_id ON pretixbase_quota (event_id);
CREATE INDEX pretixbase_quota_subevent_id ON pretixbase_quota (subevent_id);

ALTER TABLE pretixbase_quota_items ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_quota_items_quota_id_item_id ON pretixbase_quota_items (quota_id, item_id);
CREATE INDEX pretixbase_quota_items_item_id ON pretixbase_quota_items (item_id);

ALTER TABLE pretixbase_quota_variations ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_quota_variations_quota_id_itemvariation_id ON pretixbase_quota_variations (quota_id, itemvariation_id);
CREATE INDEX pretixbase_quota_variations_itemvariation_id ON pretixbase_quota_variations (itemvariation_id);

ALTER TABLE pretixbase_subeventitem ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_subeventitem_subevent_id ON pretixbase_subeventitem (subevent_id);
CREATE INDEX pretixbase_subeventitem_item_id ON pretixbase_subeventitem (item_id);

ALTER TABLE pretixbase_subeventitemvariation ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_subeventitemvariation_subevent_id ON pretixbase_subeventitemvariation (subevent_id);
CREATE INDEX pretixbase_subeventitemvariation_variation_id ON pretixbase_subeventitemvariation (variation_id);

ALTER TABLE pretixbase_voucher ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_voucher_event_id_code ON pretixbase_voucher (event_id, code);
CREATE INDEX pretixbase_voucher_event_id ON pretixbase_voucher (event_id);
CREATE INDEX pretixbase_voucher_item_id ON pretixbase_voucher (item_id);
CREATE INDEX pretixbase_voucher_variation_id ON pretixbase_voucher (variation_id);
CREATE INDEX pretixbase_voucher_quota_id ON pretixbase_voucher (quota_id);
CREATE INDEX pretixbase_voucher_subevent_id ON pretixbase_voucher (subevent_id);

ALTER TABLE pretixbase_waitinglistentry ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_waitinglistentry_event_id ON pretixbase_waitinglistentry (event_id);
CREATE INDEX pretixbase_waitinglistentry_subevent_id ON pretixbase_waitinglistentry (subevent_id);
CREATE INDEX pretixbase_waitinglistentry_item_id ON pretixbase_waitinglistentry (item_id);
CREATE INDEX pretixbase_waitinglistentry_voucher_id ON pretixbase_waitinglistentry (voucher_id);

ALTER TABLE pretixbase_order ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_order_organizer_id_code ON pretixbase_order (organizer_id, code);
CREATE INDEX pretixbase_order_event_id ON pretixbase_order (event_id);
CREATE INDEX pretixbase_order_code ON pretixbase_order (code);
CREATE INDEX pretixbase_order_status ON pretixbase_order (status);
CREATE INDEX pretixbase_order_datetime_id ON pretixbase_order (datetime, id);
CREATE INDEX pretixbase_order_last_modified_id ON pretixbase_order (last_modified, id);

ALTER TABLE pretixbase_orderposition ADD PRIMARY KEY (id);
CREATE UNIQUE INDEX pretixbase_orderposition_organizer_id_secret ON pretixbase_orderposition (organizer_id, secret);
CREATE INDEX pretixbase_orderposition_order_id ON pretixbase_orderposition (order_id);
CREATE INDEX pretixbase_orderposition_item_id ON pretixbase_orderposition (item_id);
CREATE INDEX pretixbase_orderposition_variation_id ON pretixbase_orderposition (variation_id);
CREATE INDEX pretixbase_orderposition_subevent_id ON pretixbase_orderposition (subevent_id);
CREATE INDEX pretixbase_orderposition_voucher_id ON pretixbase_orderposition (voucher_id);
CREATE INDEX pretixbase_orderposition_addon_to_id ON pretixbase_orderposition (addon_to_id);

ALTER TABLE pretixbase_cartposition ADD PRIMARY KEY (id);
CREATE INDEX pretixbase_cartposition_event_id ON pretixbase_cartposition (event_id);
CREATE INDEX pretixbase_cartposition_cart_id ON pretixbase_cartposition (cart_id);
CREATE INDEX pretixbase_cartposition_expires ON pretixbase_cartposition (expires);
CREATE INDEX pretixbase_cartposition_item_id ON pretixbase_cartposition (item_id);
CREATE INDEX pretixbase_cartposition_variation_id ON pretixbase_cartposition (variation_id);
CREATE INDEX pretixbase_cartposition_subevent_id ON pretixbase_cartposition (subevent_id);
CREATE INDEX pretixbase_cartposition_voucher_id ON pretixbase_cartposition (voucher_id);
