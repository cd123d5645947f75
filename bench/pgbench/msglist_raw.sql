-- The raw SELECT of GET /api/conversations/{id}/messages' first page: no
-- session check, no JSON, one statement.
\set n random(1, :nusers)
SELECT m.* FROM aido.messages m
 WHERE (m.conversation_id, m.user_id) = (SELECT conversation_id, user_id FROM bench.conv_ids WHERE n = :n)
 ORDER BY m.created_at, m.id LIMIT 51;
