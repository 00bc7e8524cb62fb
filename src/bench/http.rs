//! The load generator's HTTP client: one keep-alive HTTP/1.1 connection per task, straight
//! on hyper (no pool, no redirect or retry layers), so the generator costs little next to the
//! server it drives on the same CPUs. Requests are built up front as [`Req`].

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// A request ready to send.
pub type Req = Request<Full<Bytes>>;

/// A response: its status and whole body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
}

/// Longest wait for one response before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// One connection to one server, reopened after a failure.
pub struct Conn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Conn {
        Conn { addr, sender: None }
    }

    /// Opens the connection now (so connecting is not part of the first measured request).
    pub async fn connect(&mut self) -> Result<(), String> {
        if self.sender.as_ref().is_none_or(SendRequest::is_closed) {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| format!("connect: {e}"))?;
            let _ = stream.set_nodelay(true);
            let (sender, connection) = http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("handshake: {e}"))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            self.sender = Some(sender);
        }
        Ok(())
    }

    /// Sends one request and reads the whole response, within [`REQUEST_TIMEOUT`].
    pub async fn send(&mut self, req: Req) -> Result<Reply, String> {
        match tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(req)).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.sender = None;
                Err(e)
            }
            Err(_) => {
                self.sender = None;
                Err("timeout".into())
            }
        }
    }

    async fn exchange(&mut self, req: Req) -> Result<Reply, String> {
        self.connect().await?;
        let sender = self.sender.as_mut().ok_or("not connected")?;
        sender.ready().await.map_err(|e| format!("send: {e}"))?;
        let response = sender
            .send_request(req)
            .await
            .map_err(|e| format!("send: {e}"))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok(Reply { status, body })
    }
}

/// Builds requests to one server, with its `Host` header.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    host: HeaderValue,
}

impl Target {
    pub fn new(addr: SocketAddr) -> Target {
        let host = HeaderValue::from_str(&addr.to_string())
            .expect("BUG: a socket address is a valid header value");
        Target { addr, host }
    }

    /// A GET, with a bearer token or none.
    pub fn get(&self, path: &str, token: Option<&HeaderValue>) -> Req {
        self.build(Method::GET, path, token, None)
    }

    /// A POST with a JSON body.
    pub fn post_json(&self, path: &str, token: &HeaderValue, body: String) -> Req {
        self.build(Method::POST, path, Some(token), Some(Bytes::from(body)))
    }

    fn build(
        &self,
        method: Method,
        path: &str,
        token: Option<&HeaderValue>,
        body: Option<Bytes>,
    ) -> Req {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(HOST, self.host.clone());
        if let Some(token) = token {
            builder = builder.header(AUTHORIZATION, token.clone());
        }
        if body.is_some() {
            builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        builder
            .body(Full::new(body.unwrap_or_default()))
            .expect("BUG: bench requests are built from valid parts")
    }
}

/// `Bearer <token>` as a header value.
pub fn bearer(token: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("Bearer {token}")).expect("BUG: a JWT is a valid header value")
}
