-- GET /api/conversations/{id}/messages as the gateway now sends it:
-- aido_message_list_json, one statement a transaction.
\set n random(1, :nusers)
SELECT aido_message_list_json(user_id, conversation_id, '{}', session_id) FROM bench.conv_ids WHERE n = :n;
