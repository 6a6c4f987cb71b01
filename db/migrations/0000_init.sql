CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"key_id" text NOT NULL,
	"secret_hash" text NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "oauth_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"api_key_id" uuid,
	"token_hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text DEFAULT 'viewer' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "spans" (
	"project_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"span_id" text NOT NULL,
	"parent_span_id" text,
	"name" text NOT NULL,
	"service_name" text NOT NULL,
	"kind" text NOT NULL,
	"status_code" text NOT NULL,
	"status_message" text,
	"start_time_unix_nano" bigint NOT NULL,
	"end_time_unix_nano" bigint NOT NULL,
	"duration_nano" bigint GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED NOT NULL,
	"trace_state" text,
	"attributes" jsonb NOT NULL,
	"resource_attributes" jsonb NOT NULL,
	"events" jsonb NOT NULL,
	"links" jsonb NOT NULL,
	"scope" jsonb,
	"flags" bigint,
	"dropped" jsonb,
	CONSTRAINT "spans_pk" PRIMARY KEY("project_id","trace_id","span_id")
);
--> statement-breakpoint
CREATE TABLE "traces" (
	"project_id" uuid NOT NULL,
	"trace_id" text NOT NULL,
	"start_time_unix_nano" bigint NOT NULL,
	"end_time_unix_nano" bigint NOT NULL,
	"duration_nano" bigint GENERATED ALWAYS AS (end_time_unix_nano - start_time_unix_nano) STORED NOT NULL,
	"span_count" integer NOT NULL,
	"error_count" integer NOT NULL,
	"root_service_name" text,
	"root_name" text,
	"services" text[] NOT NULL,
	CONSTRAINT "traces_pk" PRIMARY KEY("project_id","trace_id")
);
--> statement-breakpoint
CREATE TABLE "events" (
	"project_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"time" timestamp (6) with time zone NOT NULL,
	"service_name" text,
	"trace_id" text,
	"span_id" text,
	"attributes" jsonb NOT NULL,
	CONSTRAINT "events_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "logs" (
	"project_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"time_unix_nano" bigint NOT NULL,
	"observed_time_unix_nano" bigint NOT NULL,
	"severity_number" smallint NOT NULL,
	"severity_text" text,
	"body" jsonb,
	"service_name" text,
	"trace_id" text,
	"span_id" text,
	"attributes" jsonb NOT NULL,
	"resource_attributes" jsonb NOT NULL,
	"scope" jsonb,
	"flags" bigint,
	"event_name" text,
	"dropped_attributes_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "logs_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "metric_points" (
	"project_id" uuid NOT NULL,
	"series_id" bigint NOT NULL,
	"time" timestamp (6) with time zone NOT NULL,
	"start_time" timestamp (6) with time zone,
	"flags" integer,
	"value" double precision,
	"count" bigint,
	"sum" double precision,
	"min" double precision,
	"max" double precision,
	"bounds" double precision[],
	"bucket_counts" bigint[],
	"distribution" jsonb,
	"exemplars" jsonb
);
--> statement-breakpoint
CREATE TABLE "metric_series" (
	"project_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "metric_series_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"type" text NOT NULL,
	"unit" text,
	"description" text,
	"service_name" text,
	"temporality" text,
	"tags" jsonb NOT NULL,
	"resource_attributes" jsonb NOT NULL,
	"scope" jsonb,
	"series_hash" text NOT NULL,
	CONSTRAINT "metric_series_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "network_ops" (
	"project_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"task_id" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"operation" text NOT NULL,
	"start_time" timestamp (6) with time zone NOT NULL,
	"end_time" timestamp (6) with time zone,
	"bytes_sent" bigint NOT NULL,
	"bytes_received" bigint NOT NULL,
	"error" text,
	"latency_ms" double precision GENERATED ALWAYS AS (extract(epoch from (end_time - start_time)) * 1000) STORED,
	CONSTRAINT "network_ops_pk" PRIMARY KEY("project_id","id")
);
--> statement-breakpoint
CREATE TABLE "pipeline_events" (
	"project_id" uuid NOT NULL,
	"task_id" text NOT NULL,
	"event_name" text NOT NULL,
	"start_time" timestamp (6) with time zone NOT NULL,
	"end_time" timestamp (6) with time zone,
	"status" text NOT NULL,
	"error" text,
	"retry_count" integer NOT NULL,
	"process_id" integer,
	"duration_ms" double precision GENERATED ALWAYS AS (extract(epoch from (end_time - start_time)) * 1000) STORED,
	"attributes" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipeline_events_pk" PRIMARY KEY("project_id","task_id")
);
--> statement-breakpoint
CREATE TABLE "publisher_status" (
	"publisher_id" uuid PRIMARY KEY NOT NULL,
	"state" text NOT NULL,
	"last_success_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"sent_count" bigint DEFAULT 0 NOT NULL,
	"failed_count" bigint DEFAULT 0 NOT NULL,
	"backlog" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "publishers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"type" text NOT NULL,
	"origin" text NOT NULL,
	"config" jsonb NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_tokens" ADD CONSTRAINT "oauth_tokens_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_tokens" ADD CONSTRAINT "oauth_tokens_api_key_id_api_keys_id_fk" FOREIGN KEY ("api_key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publisher_status" ADD CONSTRAINT "publisher_status_publisher_id_publishers_id_fk" FOREIGN KEY ("publisher_id") REFERENCES "public"."publishers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "publishers" ADD CONSTRAINT "publishers_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_key_id_uq" ON "api_keys" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "api_keys_project_idx" ON "api_keys" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "oauth_tokens_hash_uq" ON "oauth_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "oauth_tokens_expires_idx" ON "oauth_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_slug_uq" ON "projects" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_token_hash_uq" ON "sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_uq" ON "users" USING btree (lower("email"));--> statement-breakpoint
CREATE INDEX "spans_project_start_idx" ON "spans" USING btree ("project_id","start_time_unix_nano");--> statement-breakpoint
CREATE INDEX "spans_project_service_start_idx" ON "spans" USING btree ("project_id","service_name","start_time_unix_nano");--> statement-breakpoint
CREATE INDEX "traces_project_start_idx" ON "traces" USING btree ("project_id","start_time_unix_nano");--> statement-breakpoint
CREATE INDEX "events_project_time_idx" ON "events" USING btree ("project_id","time");--> statement-breakpoint
CREATE INDEX "events_project_name_time_idx" ON "events" USING btree ("project_id","name","time");--> statement-breakpoint
CREATE INDEX "logs_project_time_idx" ON "logs" USING btree ("project_id","time_unix_nano");--> statement-breakpoint
CREATE INDEX "logs_project_trace_idx" ON "logs" USING btree ("project_id","trace_id");--> statement-breakpoint
CREATE INDEX "metric_points_series_time_idx" ON "metric_points" USING btree ("project_id","series_id","time");--> statement-breakpoint
CREATE INDEX "metric_points_project_time_idx" ON "metric_points" USING btree ("project_id","time");--> statement-breakpoint
CREATE UNIQUE INDEX "metric_series_hash_uq" ON "metric_series" USING btree ("project_id","series_hash");--> statement-breakpoint
CREATE INDEX "metric_series_project_name_idx" ON "metric_series" USING btree ("project_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "network_ops_identity_uq" ON "network_ops" USING btree ("project_id","task_id","host","port","operation","start_time");--> statement-breakpoint
CREATE INDEX "network_ops_project_start_idx" ON "network_ops" USING btree ("project_id","start_time");--> statement-breakpoint
CREATE INDEX "network_ops_project_host_start_idx" ON "network_ops" USING btree ("project_id","host","port","start_time");--> statement-breakpoint
CREATE INDEX "pipeline_events_project_start_idx" ON "pipeline_events" USING btree ("project_id","start_time");--> statement-breakpoint
CREATE INDEX "pipeline_events_project_status_start_idx" ON "pipeline_events" USING btree ("project_id","status","start_time");--> statement-breakpoint
CREATE UNIQUE INDEX "publishers_project_origin_name_uq" ON "publishers" USING btree ("project_id","origin","name");