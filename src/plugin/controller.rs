//! The services every go-plugin server offers next to the plugin's own:
//! the controller (Terraform's `Shutdown`), stdio, the broker, and the
//! health check go-plugin's client pings.
//!
//! Long-lived streams end when shutdown starts, so that the graceful stop
//! does not wait on them and Terraform reads a clean end of stream.

use std::pin::Pin;

use futures::{Stream, StreamExt};
use tokio::sync::watch;
use tonic::{Request, Response, Status, Streaming};

use super::proto::go_plugin::{
    grpc_broker_server::GrpcBroker, grpc_controller_server::GrpcController,
    grpc_stdio_server::GrpcStdio, ConnInfo, Empty, StdioData,
};
use super::proto::health::{
    health_check_response::ServingStatus, health_server::Health, HealthCheckRequest,
    HealthCheckResponse,
};

/// The health service name go-plugin's client checks.
const PLUGIN_SERVICE: &str = "plugin";

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// Shared by the services: whether shutdown has started.
#[derive(Clone)]
pub struct Lifecycle {
    stop: watch::Sender<bool>,
}

impl Lifecycle {
    pub fn new() -> Self {
        Self {
            stop: watch::Sender::new(false),
        }
    }

    /// Starts the shutdown; later calls do nothing more.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.stop.subscribe()
    }

    /// Resolves once shutdown has started.
    pub fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stop = self.subscribe();
        async move {
            // An error means the sender is gone, which also means stopping.
            let _ = stop.wait_for(|stop| *stop).await;
        }
    }

    /// A stream that yields nothing and ends when shutdown starts.
    fn quiet_until_stopped<T: Send + 'static>(&self) -> BoxStream<T> {
        Box::pin(futures::stream::once(self.stopped()).filter_map(|()| async { None }))
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

/// `plugin.GRPCController`: Terraform calls `Shutdown` when it is done with
/// the provider (after `StopProvider` when interrupted). We answer, then
/// stop serving; go-plugin gives the process two seconds to exit.
pub struct Controller(pub Lifecycle);

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        tracing::debug!("Terraform asked the provider to shut down");
        self.0.stop();
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: go-plugin forwards a Go plugin's stdout/stderr over
/// this stream. Our stderr already reaches Terraform directly, and stdout is
/// reserved for the handshake, so the stream carries nothing and ends
/// cleanly at shutdown (which go-plugin treats as a normal end).
pub struct Stdio(pub Lifecycle);

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<StdioData>;

    async fn stream_stdio(
        &self,
        _: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(self.0.quiet_until_stopped()))
    }
}

/// `plugin.GRPCBroker`: go-plugin's client opens this stream on every
/// connection. We broker no extra servers: the stream is accepted, what the
/// client sends is read and dropped, and it ends with the client's side or
/// at shutdown.
pub struct Broker(pub Lifecycle);

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = BoxStream<ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut from_client = request.into_inner();
        let client_done = async move {
            while let Some(Ok(info)) = from_client.next().await {
                tracing::debug!(
                    service_id = info.service_id,
                    "ignoring a go-plugin broker request: this provider brokers nothing"
                );
            }
        };
        let stopped = self.0.stopped();
        let ended = async move {
            tokio::select! {
                () = client_done => {}
                () = stopped => {}
            }
        };
        let stream = futures::stream::once(ended).filter_map(|()| async { None });
        Ok(Response::new(Box::pin(stream)))
    }
}

/// `grpc.health.v1.Health`: SERVING for the server as a whole (`""`) and for
/// `plugin` while we serve; NOT_SERVING once shutdown has started.
pub struct HealthCheck(pub Lifecycle);

impl HealthCheck {
    fn status(&self, service: &str) -> Option<ServingStatus> {
        if service.is_empty() || service == PLUGIN_SERVICE {
            Some(if *self.0.subscribe().borrow() {
                ServingStatus::NotServing
            } else {
                ServingStatus::Serving
            })
        } else {
            None
        }
    }
}

fn answer(status: ServingStatus) -> HealthCheckResponse {
    HealthCheckResponse {
        status: status.into(),
    }
}

#[tonic::async_trait]
impl Health for HealthCheck {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        match self.status(&service) {
            Some(status) => Ok(Response::new(answer(status))),
            None => Err(Status::not_found(format!("unknown service {service:?}"))),
        }
    }

    type WatchStream = BoxStream<HealthCheckResponse>;

    /// The current status now, NOT_SERVING when shutdown starts, then the end.
    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let service = request.into_inner().service;
        let now = self
            .status(&service)
            .unwrap_or(ServingStatus::ServiceUnknown);
        let known = now != ServingStatus::ServiceUnknown;
        let stopped = self.0.stopped();
        let at_stop = futures::stream::once(stopped)
            .filter_map(move |()| async move { known.then(|| answer(ServingStatus::NotServing)) });
        let stream = futures::stream::iter([answer(now)]).chain(at_stop).map(Ok);
        Ok(Response::new(Box::pin(stream)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn health_follows_the_lifecycle() {
        let lifecycle = Lifecycle::new();
        let health = HealthCheck(lifecycle.clone());
        let check = |service: &str| {
            let request = Request::new(HealthCheckRequest {
                service: service.into(),
            });
            let health = &health;
            async move { health.check(request).await.map(|r| r.into_inner().status) }
        };
        assert_eq!(
            check("plugin").await.unwrap(),
            ServingStatus::Serving as i32
        );
        assert_eq!(check("").await.unwrap(), ServingStatus::Serving as i32);
        assert_eq!(
            check("other").await.unwrap_err().code(),
            tonic::Code::NotFound
        );

        let watch = health
            .watch(Request::new(HealthCheckRequest {
                service: "plugin".into(),
            }))
            .await
            .unwrap()
            .into_inner();
        Controller(lifecycle.clone())
            .shutdown(Request::new(Empty {}))
            .await
            .unwrap();
        let seen: Vec<i32> = watch.map(|r| r.unwrap().status).collect().await;
        assert_eq!(
            seen,
            [
                ServingStatus::Serving as i32,
                ServingStatus::NotServing as i32
            ]
        );
        assert_eq!(
            check("plugin").await.unwrap(),
            ServingStatus::NotServing as i32
        );
    }

    #[tokio::test]
    async fn stdio_ends_cleanly_at_shutdown() {
        let lifecycle = Lifecycle::new();
        let stream = Stdio(lifecycle.clone())
            .stream_stdio(Request::new(()))
            .await
            .unwrap()
            .into_inner();
        lifecycle.stop();
        let items: Vec<_> = stream.collect().await;
        assert!(items.is_empty());
    }
}
