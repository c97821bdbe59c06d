CREATE TYPE "public"."notice_status" AS ENUM('pending', 'sent', 'failed', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."owner" AS ENUM('partner', 'customer');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('admin', 'operator', 'viewer');--> statement-breakpoint
CREATE TYPE "public"."term" AS ENUM('annual', 'monthly', 'trial');--> statement-breakpoint
CREATE TYPE "public"."webhook_delivery_status" AS ENUM('pending', 'delivered', 'failed', 'skipped');--> statement-breakpoint
CREATE TYPE "public"."webhook_status" AS ENUM('active', 'disabled');--> statement-breakpoint
CREATE TYPE "public"."operation_kind" AS ENUM('pool_move', 'sync');--> statement-breakpoint
CREATE TYPE "public"."operation_status" AS ENUM('running', 'succeeded', 'failed');--> statement-breakpoint
CREATE TABLE "access_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"default_for_pools" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"product" text NOT NULL,
	"name" text NOT NULL,
	"term" "term" DEFAULT 'annual' NOT NULL,
	"seats_requested" integer NOT NULL,
	"allocations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"seats_allocated" integer DEFAULT 0 NOT NULL,
	"overage" integer DEFAULT 0 NOT NULL,
	"policy_id" uuid NOT NULL,
	"policy_version" integer NOT NULL,
	"state" text NOT NULL,
	"cycle" integer DEFAULT 1 NOT NULL,
	"next_deadline_event" text,
	"next_deadline_at" timestamp with time zone,
	"lifecycle" jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"access_group_ids" jsonb,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" text NOT NULL,
	"action" text NOT NULL,
	"actor" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone NOT NULL,
	"dedupe_key" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "companies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"locale" text DEFAULT 'en' NOT NULL,
	"notice_emails" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"notice_opt_outs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"policy_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"partner_id" uuid NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status" integer,
	"headers" jsonb,
	"body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "idempotency_keys_partner_id_key_pk" PRIMARY KEY("partner_id","key")
);
--> statement-breakpoint
CREATE TABLE "licenses" (
	"id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"pool_id" uuid,
	"access_group_id" uuid,
	"source_id" uuid,
	"account_type" text,
	"product" text NOT NULL,
	"seats" integer NOT NULL,
	"seats_used" integer DEFAULT 0 NOT NULL,
	"term" "term" NOT NULL,
	"owner" "owner" NOT NULL,
	"tag" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"policy_id" uuid NOT NULL,
	"policy_version" integer NOT NULL,
	"state" text NOT NULL,
	"cycle" integer DEFAULT 1 NOT NULL,
	"next_deadline_event" text,
	"next_deadline_at" timestamp with time zone,
	"lifecycle" jsonb NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"key" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"cycle" integer NOT NULL,
	"offset" text,
	"facts" jsonb NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" "notice_status" DEFAULT 'pending' NOT NULL,
	"message_id" text,
	"recipients" jsonb,
	"locale" text,
	"error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"parent_id" uuid,
	"name" text NOT NULL,
	"contact_email" text,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"monthly_programme" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" uuid NOT NULL,
	"version" integer NOT NULL,
	"partner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"trial" text NOT NULL,
	"grace" text NOT NULL,
	"suspension" text NOT NULL,
	"expiry_notices" jsonb NOT NULL,
	"deletion_notice" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_id_version_pk" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "webhook_attempts" (
	"delivery_id" uuid NOT NULL,
	"attempt" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"status_code" integer,
	"duration_ms" integer NOT NULL,
	"error" text,
	CONSTRAINT "webhook_attempts_delivery_id_attempt_pk" PRIMARY KEY("delivery_id","attempt")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"webhook_id" uuid NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"data" jsonb NOT NULL,
	"status" "webhook_delivery_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"url" text NOT NULL,
	"description" text,
	"events" jsonb NOT NULL,
	"secret" text NOT NULL,
	"status" "webhook_status" DEFAULT 'active' NOT NULL,
	"disabled_reason" text,
	"disabled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pools" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"access_group_id" uuid NOT NULL,
	"default_for_company_id" uuid,
	"source_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"kind" "operation_kind" NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"workflow_id" text NOT NULL,
	"status" "operation_status" DEFAULT 'running' NOT NULL,
	"progress_done" integer DEFAULT 0 NOT NULL,
	"progress_total" integer,
	"request" jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "product_policies" (
	"partner_id" uuid NOT NULL,
	"product" text NOT NULL,
	"policy_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "product_policies_partner_id_product_pk" PRIMARY KEY("partner_id","product")
);
--> statement-breakpoint
CREATE TABLE "billing_pushes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"trigger" text NOT NULL,
	"period" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"lines" jsonb NOT NULL,
	"additions_done" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"error_type" text,
	"actor" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "connectwise_company_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"enabled" boolean NOT NULL,
	"identifier" text NOT NULL,
	"connectwise_company_id" integer NOT NULL,
	"settings" text NOT NULL,
	"billing_day" integer,
	"billing_hour" integer,
	"quantity_basis" text NOT NULL,
	"mappings" jsonb NOT NULL,
	"products_included" jsonb NOT NULL,
	"allow_zero_quantity" boolean DEFAULT false NOT NULL,
	"summary_ticket_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connectwise_partner_settings" (
	"partner_id" uuid PRIMARY KEY NOT NULL,
	"base_url" text NOT NULL,
	"company" text NOT NULL,
	"keys_sealed" text NOT NULL,
	"client_id" text NOT NULL,
	"billing_day" integer NOT NULL,
	"billing_hour" integer NOT NULL,
	"time_zone" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "summaries_sent" (
	"key" text PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"period_from" timestamp with time zone NOT NULL,
	"period_to" timestamp with time zone NOT NULL,
	"mailed_at" timestamp with time zone,
	"ticket_note_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "summary_settings" (
	"company_id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"frequency" text,
	"hour" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_companies" (
	"source_id" uuid NOT NULL,
	"upstream_id" text NOT NULL,
	"partner_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"parent_upstream_id" text,
	"name" text NOT NULL,
	"console_url" text,
	"contact_email" text,
	CONSTRAINT "source_companies_source_id_upstream_id_pk" PRIMARY KEY("source_id","upstream_id")
);
--> statement-breakpoint
CREATE TABLE "source_licenses" (
	"source_id" uuid NOT NULL,
	"upstream_id" text NOT NULL,
	"partner_id" uuid NOT NULL,
	"license_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"pool_id" uuid NOT NULL,
	"tag" text NOT NULL,
	"account_type" text NOT NULL,
	"facts" jsonb NOT NULL,
	"present" boolean DEFAULT true NOT NULL,
	"pending" text,
	CONSTRAINT "source_licenses_source_id_upstream_id_pk" PRIMARY KEY("source_id","upstream_id")
);
--> statement-breakpoint
CREATE TABLE "source_pools" (
	"source_id" uuid NOT NULL,
	"key" text NOT NULL,
	"pool_id" uuid NOT NULL,
	CONSTRAINT "source_pools_source_id_key_pk" PRIMARY KEY("source_id","key")
);
--> statement-breakpoint
CREATE TABLE "source_subscriptions" (
	"source_id" uuid NOT NULL,
	"upstream_id" text NOT NULL,
	"partner_id" uuid NOT NULL,
	"company_id" uuid NOT NULL,
	"facts" jsonb NOT NULL,
	CONSTRAINT "source_subscriptions_source_id_upstream_id_pk" PRIMARY KEY("source_id","upstream_id")
);
--> statement-breakpoint
CREATE TABLE "sources" (
	"id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"vendor" text NOT NULL,
	"account_type" text NOT NULL,
	"hybrid" boolean DEFAULT false NOT NULL,
	"base_url" text NOT NULL,
	"credentials" text NOT NULL,
	"status" text DEFAULT 'never_synced' NOT NULL,
	"status_reason" text,
	"status_detail" text,
	"status_changed_at" timestamp with time zone,
	"last_sync_at" timestamp with time zone,
	"last_sync_operation_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_staging" (
	"operation_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"upstream_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	CONSTRAINT "sync_staging_operation_id_kind_upstream_id_pk" PRIMARY KEY("operation_id","kind","upstream_id")
);
--> statement-breakpoint
ALTER TABLE "access_groups" ADD CONSTRAINT "access_groups_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "companies" ADD CONSTRAINT "companies_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "licenses" ADD CONSTRAINT "licenses_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_webhook_deliveries_id_fk" FOREIGN KEY ("delivery_id") REFERENCES "public"."webhook_deliveries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pools" ADD CONSTRAINT "pools_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pools" ADD CONSTRAINT "pools_access_group_id_access_groups_id_fk" FOREIGN KEY ("access_group_id") REFERENCES "public"."access_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pools" ADD CONSTRAINT "pools_default_for_company_id_companies_id_fk" FOREIGN KEY ("default_for_company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "product_policies" ADD CONSTRAINT "product_policies_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectwise_company_settings" ADD CONSTRAINT "connectwise_company_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectwise_company_settings" ADD CONSTRAINT "connectwise_company_settings_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "connectwise_partner_settings" ADD CONSTRAINT "connectwise_partner_settings_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "summary_settings" ADD CONSTRAINT "summary_settings_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "summary_settings" ADD CONSTRAINT "summary_settings_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_companies" ADD CONSTRAINT "source_companies_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_companies" ADD CONSTRAINT "source_companies_company_id_companies_id_fk" FOREIGN KEY ("company_id") REFERENCES "public"."companies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_licenses" ADD CONSTRAINT "source_licenses_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_pools" ADD CONSTRAINT "source_pools_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_pools" ADD CONSTRAINT "source_pools_pool_id_pools_id_fk" FOREIGN KEY ("pool_id") REFERENCES "public"."pools"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_subscriptions" ADD CONSTRAINT "source_subscriptions_source_id_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."sources"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sources" ADD CONSTRAINT "sources_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_groups_partner" ON "access_groups" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "access_groups_parent" ON "access_groups" USING btree ("parent_id");--> statement-breakpoint
CREATE UNIQUE INDEX "access_groups_default_for_pools" ON "access_groups" USING btree ("partner_id") WHERE "access_groups"."default_for_pools";--> statement-breakpoint
CREATE INDEX "accounts_company_product" ON "accounts" USING btree ("company_id","product");--> statement-breakpoint
CREATE INDEX "accounts_partner_state" ON "accounts" USING btree ("partner_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_hash" ON "api_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_dedupe" ON "audit_log" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "audit_log_subject" ON "audit_log" USING btree ("partner_id","subject_id","at");--> statement-breakpoint
CREATE INDEX "audit_log_partner_id" ON "audit_log" USING btree ("partner_id","id");--> statement-breakpoint
CREATE INDEX "companies_partner" ON "companies" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "licenses_partner_state" ON "licenses" USING btree ("partner_id","state");--> statement-breakpoint
CREATE INDEX "licenses_company_product" ON "licenses" USING btree ("company_id","product");--> statement-breakpoint
CREATE INDEX "licenses_partner_expires" ON "licenses" USING btree ("partner_id","expires_at");--> statement-breakpoint
CREATE INDEX "licenses_pool" ON "licenses" USING btree ("pool_id");--> statement-breakpoint
CREATE INDEX "licenses_partner_group" ON "licenses" USING btree ("partner_id","access_group_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_key" ON "outbox" USING btree ("key");--> statement-breakpoint
CREATE INDEX "outbox_partner_created" ON "outbox" USING btree ("partner_id","created_at");--> statement-breakpoint
CREATE INDEX "partners_parent" ON "partners" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "policies_partner" ON "policies" USING btree ("partner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_event" ON "webhook_deliveries" USING btree ("event_id","webhook_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_created" ON "webhook_deliveries" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "webhooks_partner" ON "webhooks" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "pools_partner_group" ON "pools" USING btree ("partner_id","access_group_id");--> statement-breakpoint
CREATE UNIQUE INDEX "pools_company_default" ON "pools" USING btree ("default_for_company_id") WHERE "pools"."default_for_company_id" is not null;--> statement-breakpoint
CREATE INDEX "pools_source" ON "pools" USING btree ("source_id");--> statement-breakpoint
CREATE INDEX "operations_partner_subject" ON "operations" USING btree ("partner_id","subject_id","created_at");--> statement-breakpoint
CREATE INDEX "product_policies_policy" ON "product_policies" USING btree ("policy_id");--> statement-breakpoint
CREATE UNIQUE INDEX "billing_pushes_scheduled_period" ON "billing_pushes" USING btree ("company_id","period") WHERE "billing_pushes"."trigger" = 'scheduled';--> statement-breakpoint
CREATE INDEX "billing_pushes_company_created" ON "billing_pushes" USING btree ("company_id","created_at");--> statement-breakpoint
CREATE INDEX "connectwise_company_settings_partner" ON "connectwise_company_settings" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "summaries_sent_company" ON "summaries_sent" USING btree ("company_id","period_to");--> statement-breakpoint
CREATE INDEX "source_companies_company" ON "source_companies" USING btree ("company_id");--> statement-breakpoint
CREATE UNIQUE INDEX "source_licenses_license" ON "source_licenses" USING btree ("license_id");--> statement-breakpoint
CREATE INDEX "source_licenses_pending" ON "source_licenses" USING btree ("source_id","pending");--> statement-breakpoint
CREATE INDEX "source_subscriptions_company" ON "source_subscriptions" USING btree ("company_id");--> statement-breakpoint
CREATE INDEX "sources_partner" ON "sources" USING btree ("partner_id");