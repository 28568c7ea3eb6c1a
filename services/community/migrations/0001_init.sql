-- The community service's own tables arrive with its features (welcome, tickets,
-- giveaways); the schema exists from the start so its handled-event record has a home.
SELECT 1;
