//! Where Terraform connects: a Unix socket (what go-plugin listens on, on
//! every Unix system) in a fresh directory only this user can enter, and the
//! accept loop that turns connections into TLS streams (or plain ones
//! without AutoMTLS) for the gRPC server.

use std::ffi::{CString, OsString};
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A peer gets this long to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The socket's private directory; removed with everything in it on drop.
pub struct SocketDir {
    dir: PathBuf,
    socket: PathBuf,
}

impl SocketDir {
    pub fn socket(&self) -> &Path {
        &self.socket
    }
}

impl Drop for SocketDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.socket);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Binds `<base>/emreks-plugin-XXXXXX/plugin.sock`, the directory made by
/// mkdtemp (mode 0700). `base` is `PLUGIN_UNIX_SOCKET_DIR` when the host set
/// it, else the temp dir. Must run inside the Tokio runtime.
pub fn bind(base: Option<&Path>) -> Result<(UnixListener, SocketDir)> {
    let base = base.map_or_else(std::env::temp_dir, Path::to_path_buf);
    let dir = private_dir(&base)?;
    let socket = dir.join("plugin.sock");
    let guard = SocketDir {
        dir,
        socket: socket.clone(),
    };
    let listener = UnixListener::bind(&socket)
        .with_context(|| format!("listening on the plugin socket {}", socket.display()))?;
    // The directory already keeps others out; this says so on the socket too.
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("restricting {}", socket.display()))?;
    Ok((listener, guard))
}

fn private_dir(base: &Path) -> Result<PathBuf> {
    let mut template = base
        .join("emreks-plugin-XXXXXX")
        .into_os_string()
        .into_vec();
    template.push(0);
    let template = CString::from_vec_with_nul(template).map_err(|_| {
        anyhow!(
            "the socket directory {} contains a NUL byte",
            base.display()
        )
    })?;
    let raw = template.into_raw();
    // SAFETY: `raw` is a NUL-terminated buffer we own; mkdtemp rewrites the
    // trailing XXXXXX in place and does not change its length.
    let made = unsafe { libc::mkdtemp(raw) };
    // SAFETY: `raw` came from CString::into_raw just above.
    let path = unsafe { CString::from_raw(raw) };
    if made.is_null() {
        return Err(io::Error::last_os_error())
            .with_context(|| format!("creating a private directory in {}", base.display()));
    }
    Ok(PathBuf::from(OsString::from_vec(path.into_bytes())))
}

/// True when the peer runs as this user. The directory's mode already keeps
/// other users out (except root); this also holds for plaintext serving.
fn same_user(stream: &UnixStream) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    stream.peer_cred().is_ok_and(|cred| cred.uid() == me)
}

/// One accepted connection, TLS or not, as the gRPC server reads it.
pub enum Conn {
    Plain(UnixStream),
    Tls(Box<TlsStream<UnixStream>>),
}

impl tonic::transport::server::Connected for Conn {
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Plain(s) => s.is_write_vectored(),
            Conn::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Accepts connections until `stop` turns true. Handshakes run in their own
/// tasks so that a slow or hostile peer cannot hold up Terraform's. Only
/// connections that completed the handshake (with Terraform's certificate,
/// when `tls` is set) come out of the stream.
pub fn incoming(
    listener: UnixListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    mut stop: watch::Receiver<bool>,
) -> impl Stream<Item = io::Result<Conn>> {
    let (ready_tx, ready_rx) = mpsc::channel::<Conn>(8);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                accepted = listener.accept() => accepted,
                _ = stop.wait_for(|stop| *stop) => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(err) => {
                    // Out of file descriptors and the like: wait, keep serving.
                    tracing::warn!("accepting a plugin connection failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            if !same_user(&stream) {
                tracing::warn!("refused a plugin connection from another user");
                continue;
            }
            let ready_tx = ready_tx.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Some(conn) = establish(stream, acceptor).await {
                    let _ = ready_tx.send(conn).await;
                }
            });
        }
    });
    futures::stream::unfold(ready_rx, |mut ready_rx| async move {
        let conn = ready_rx.recv().await?;
        Some((Ok(conn), ready_rx))
    })
}

/// Completes the TLS handshake when serving TLS; `None` (logged) when the
/// peer is refused.
async fn establish(stream: UnixStream, acceptor: Option<TlsAcceptor>) -> Option<Conn> {
    let Some(acceptor) = acceptor else {
        tracing::debug!("plugin connection established, without TLS");
        return Some(Conn::Plain(stream));
    };
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => {
            let session = tls.get_ref().1;
            tracing::debug!(
                tls_version = ?session.protocol_version(),
                cipher_suite = ?session.negotiated_cipher_suite().map(|s| s.suite()),
                "plugin connection established over TLS, with Terraform's client certificate"
            );
            Some(Conn::Tls(Box::new(tls)))
        }
        Ok(Err(err)) => {
            tracing::warn!("refused a plugin connection: TLS: {err}");
            None
        }
        Err(_) => {
            tracing::warn!(
                "refused a plugin connection: no TLS handshake within {HANDSHAKE_TIMEOUT:?}"
            );
            None
        }
    }
}

/// The socket path as the handshake line and reattach config carry it.
pub fn address(socket: &Path) -> Result<&str> {
    socket.to_str().ok_or_else(|| {
        anyhow!(
            "the plugin socket path {:?} is not valid UTF-8",
            socket.as_os_str().as_bytes()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn socket_lives_in_a_private_directory_removed_on_drop() {
        let base = std::env::temp_dir();
        let (listener, dir) = bind(Some(&base)).unwrap();
        let socket = dir.socket().to_path_buf();
        let parent = socket.parent().unwrap().to_path_buf();
        assert!(parent.starts_with(&base));
        let mode = std::fs::metadata(&parent).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert!(UnixStream::connect(&socket).await.is_ok());
        drop(listener);
        drop(dir);
        assert!(!parent.exists());
    }

    #[test]
    fn missing_base_directory_is_a_clear_error() {
        let err = private_dir(Path::new("/nonexistent/plugin/dir")).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/plugin/dir"));
    }

    #[tokio::test]
    async fn plain_connections_come_through_until_stopped() {
        use futures::StreamExt;
        let (listener, dir) = bind(None).unwrap();
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut conns = Box::pin(incoming(listener, None, stop_rx));
        let _client = UnixStream::connect(dir.socket()).await.unwrap();
        assert!(matches!(conns.next().await, Some(Ok(Conn::Plain(_)))));
        stop_tx.send(true).unwrap();
        assert!(conns.next().await.is_none());
    }
}
