-- The raw SELECT of GET /api/conversations' first page: no session check,
-- no JSON, one statement.
\set n random(1, :nusers)
SELECT c.* FROM aido.conversations c
 WHERE c.user_id = (SELECT user_id FROM bench.user_ids WHERE n = :n)
 ORDER BY c.created_at DESC, c.id DESC LIMIT 51;
