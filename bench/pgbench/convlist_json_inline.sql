-- GET /api/conversations as the gateway now sends it:
-- aido_conversation_list_json, one statement a transaction.
\set n random(1, :nusers)
SELECT aido_conversation_list_json(user_id, '{}', session_id) FROM bench.user_ids WHERE n = :n;
