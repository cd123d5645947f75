-- The raw SELECT of GET /api/tasks?limit=50's page (the ceiling of issue
-- 16's item 1): a random user's 51 newest rows as the index gives them,
-- no session check, no JSON, one statement (the id lookup inlined).
\set n random(1, :nusers)
SELECT t.* FROM aido.tasks t
 WHERE t.user_id = (SELECT user_id FROM bench.user_ids WHERE n = :n)
 ORDER BY t.created_at DESC, t.id DESC LIMIT 51;
