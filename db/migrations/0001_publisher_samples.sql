CREATE TABLE "publisher_samples" (
	"publisher_id" uuid NOT NULL,
	"time" timestamp with time zone NOT NULL,
	"sent_count" bigint NOT NULL,
	"failed_count" bigint NOT NULL,
	"backlog" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "publisher_samples" ADD CONSTRAINT "publisher_samples_publisher_id_publishers_id_fk" FOREIGN KEY ("publisher_id") REFERENCES "public"."publishers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "publisher_samples_publisher_time_idx" ON "publisher_samples" USING btree ("publisher_id","time");