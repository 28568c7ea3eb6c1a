-- How many of an event's owed calls are known to be done, so that a retry after a failure
-- part-way (a rate limit on the tenth role change) resumes there instead of from the start.
ALTER TABLE handled_events ADD COLUMN progress integer NOT NULL DEFAULT 0;
