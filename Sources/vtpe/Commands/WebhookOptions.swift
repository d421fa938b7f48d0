import ArgumentParser
import Gateway

/// `vtpe gateway`'s webhook delivery settings (docs/api.md "Webhooks").
struct WebhookOptions: ParsableArguments {
    @Option(name: .customLong("webhook-retries"),
            help: ArgumentHelp("Delays before the retries of a failed delivery, the last one repeated (default 5s,1m,5m,30m,2h,5h,10h).", valueName: "list"))
    var retries: String?
    @Option(name: .customLong("webhook-retry-window"), help: ArgumentHelp("How long after an event its delivery is retried (default 3d).", valueName: "duration"))
    var window: String?
    @Option(name: .customLong("webhook-timeout"), help: ArgumentHelp("How long a receiver has to answer (default 10s).", valueName: "duration"))
    var timeout: String?
    @Option(name: .customLong("webhook-lease"),
            help: ArgumentHelp("How long the delivering process's lease lasts: another gateway process on the same database takes over after it (default 30s).", valueName: "duration"))
    var lease: String?
    @Option(name: .customLong("webhook-poll"), help: ArgumentHelp("How often to look for events written by other processes (default 2s).", valueName: "duration"))
    var poll: String?
    @Flag(name: .customLong("no-webhooks"), help: "This process never delivers webhooks (another one on the same database does).")
    var disabled = false

    func validate() throws {
        _ = try settings()
    }

    func settings() throws -> WebhookSettings {
        func duration(_ text: String?, _ flag: String, _ fallback: Duration) throws -> Duration {
            guard let text else { return fallback }
            do { return try DurationText.parse(text) } catch { throw ValidationError("--\(flag): \(error)") }
        }
        let standard = WebhookSettings()
        var schedule = WebhookRetrySchedule.standard
        if let retries {
            do { schedule.delays = try WebhookRetrySchedule.parseDelays(retries) } catch { throw ValidationError("--webhook-retries: \(error)") }
        }
        schedule.window = try duration(window, "webhook-retry-window", schedule.window)
        let timeout = try duration(timeout, "webhook-timeout", standard.timeout)
        guard timeout > .zero else { throw ValidationError("--webhook-timeout must be more than 0") }
        return WebhookSettings(schedule: schedule, timeout: timeout, leaseTTL: try duration(lease, "webhook-lease", standard.leaseTTL),
                               pollInterval: max(.milliseconds(10), try duration(poll, "webhook-poll", standard.pollInterval)),
                               enabled: !disabled)
    }
}
