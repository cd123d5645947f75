-- GET /api/conversations/{id}/messages: the first page (50 of 60
-- messages) of a random user's conversation, one statement a transaction
-- (see get_inline.sql).
\set n random(1, :nusers)
SELECT aido_message_list(user_id, conversation_id, '{}', session_id) FROM bench.conv_ids WHERE n = :n;
