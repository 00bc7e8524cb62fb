//! Centrifugo: server API client and generated server configs (see the realtime issue).
