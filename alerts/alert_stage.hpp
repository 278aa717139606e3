#pragma once
// The alerts stage as the daemon sees it: sinks built from config through the
// registry, their routes, the outbox and the dispatcher, behind four calls.
//
//   sqlite::Transaction t(db);
//   ... record the dedup decision ...
//   auto sinks = stage.enqueue(alert);   // routed rows, same transaction
//   if (!sinks.ok()) return;             // t rolls the decision back too
//   t.commit();
//   stage.committed();                   // wake the dispatcher
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "alerts/dispatcher.hpp"
#include "alerts/outbox.hpp"
#include "alerts/routes.hpp"
#include "alerts/sink_registry.hpp"
#include "config/config.hpp"

namespace newsmon::alerts {

class AlertStage {
 public:
  // Errors name the sink ("alerts.<name>: ..."): a sink that cannot be built,
  // a duplicate name. Throws sqlite::SqliteError when the outbox table cannot
  // be created (a read-only state dir at start-up).
  static Result<std::unique_ptr<AlertStage>> create(boost::asio::io_context& io,
                                                    sqlite::Database& db, const Clock& clock,
                                                    Metrics& metrics,
                                                    const std::vector<config::SinkConfig>& sinks,
                                                    const SinkEnvironment& environment,
                                                    DispatcherOptions options = {});

  AlertStage(boost::asio::io_context& io, sqlite::Database& db, const Clock& clock,
             Metrics& metrics, DispatcherOptions options);

  // Routes `alert` and writes one outbox row per sink that takes it, inside
  // the caller's open transaction. Returns those sinks (possibly none).
  Result<std::vector<std::string>> enqueue(const Alert& alert);
  // After the caller's commit: deliver the new rows.
  void committed() { m_dispatcher.notify(); }

  void start() { m_dispatcher.start(); }
  void drain(std::chrono::milliseconds budget, std::function<void(DrainReport)> done) {
    m_dispatcher.drain(budget, std::move(done));
  }
  DrainReport report() { return m_dispatcher.report(); }
  Outbox& outbox() { return m_outbox; }

 private:
  Outbox m_outbox;
  AlertDispatcher m_dispatcher;
  Router m_router;
  Metrics& m_metrics;
};

}  // namespace newsmon::alerts
