//! Which client DataFusion reads a file through: an object's store client
//! is the one its scan was planned with (`daft_io::bound_store`); local
//! files go through DataFusion's own registry.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use object_store::ObjectStore;
use url::Url;

/// DataFusion's object-store registry for the engine's session.
#[derive(Debug, Default)]
pub(crate) struct PlannedStores {
    others: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for PlannedStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.others.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.others.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        match daft_io::bound_store(url) {
            Some(store) => Ok(store),
            None => self.others.get_store(url),
        }
    }
}
