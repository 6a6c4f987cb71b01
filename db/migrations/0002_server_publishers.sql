ALTER TABLE "projects" ADD COLUMN "public_metrics" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "publisher_samples" ADD COLUMN "dropped_count" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "publisher_status" ADD COLUMN "dropped_count" bigint DEFAULT 0 NOT NULL;