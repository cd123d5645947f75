-- GET /api/conversations: a random user's first page, one statement a
-- transaction (see get_inline.sql).
\set n random(1, :nusers)
SELECT aido_conversation_list(user_id, '{}', session_id) FROM bench.user_ids WHERE n = :n;
