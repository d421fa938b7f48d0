import Foundation
import Hummingbird
import Logging
import NIOCore
import PaymentCore
import ServiceLifecycle

/// The request context of every gateway route.
public struct GatewayContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
    /// Bodies larger than this are refused with 413 before they are read.
    public var maxUploadSize: Int { GatewayApp.maxBodySize }
}

/// Settings of one gateway process.
public struct GatewayConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Secret keys accepted (`sk_test_…`).
    public var apiKeys: [String]
    /// What the gateway charges per captured payment.
    public var fees: FeeModel
    /// How this process delivers webhooks.
    public var webhooks: WebhookSettings
    /// When the daily payout runs.
    public var payouts: PayoutSettings
    /// The machine time the simulated banks' clock starts from (`BankClock`; tests pass a frozen one).
    public var clock: any GatewayClock

    public init(host: String = "127.0.0.1", port: Int = 4242, apiKeys: [String], fees: FeeModel = .standard,
                webhooks: WebhookSettings = WebhookSettings(), payouts: PayoutSettings = PayoutSettings(),
                clock: any GatewayClock = SystemClock()) {
        self.clock = clock
        self.host = host
        self.port = port
        self.apiKeys = apiKeys
        self.fees = fees
        self.webhooks = webhooks
        self.payouts = payouts
    }
}

/// Builds the Stripe-compatible HTTP application over a store.
public enum GatewayApp {
    public static let maxBodySize = 1 << 20

    /// The router with every route and the Stripe conventions (auth, Request-Id, error shape).
    public static func router(store: any PaymentStore, configuration: GatewayConfiguration,
                              catalog: TestCardCatalog = .standard, vault: CardVault = .ephemeral()) -> Router<GatewayContext> {
        let router = Router(context: GatewayContext.self)
        router.add(middleware: StripeConventionsMiddleware())
        router.get("/healthz") { _, _ in "ok\n" }
        let intents = PaymentIntents(store: store, issuer: IssuerSimulator(catalog: catalog), vault: vault, fees: configuration.fees,
                                     clock: configuration.clock)
        let setups = SetupIntents(intents: intents)
        ThreeDSecurePage(intents: intents, setups: setups).register(on: router)
        let idempotency = IdempotencyMiddleware<GatewayContext>(store: store, vault: vault)
        let api = router.group("v1")
            .add(middleware: APIKeyMiddleware(keys: configuration.apiKeys))
            .add(middleware: idempotency)
        let payments = PaymentRoutes(store: store, intents: intents)
        payments.register(on: api)
        PaymentIntentBatchRoutes(store: store, idempotency: idempotency, create: payments.createIntent).register(on: api)
        CustomerRoutes(store: store).register(on: api)
        EventRoutes(store: store).register(on: api)
        TerminalRoutes(store: store, vault: vault).register(on: api)
        ReaderActions(store: store, vault: vault, hub: ActionHub(), terminal: TerminalRoutes(store: store, vault: vault),
                      refunds: Refunds(store: store, intents: intents)).register(on: api)
        TerminalBatchRoutes(store: store).register(on: api)
        PaymentMethodRoutes(store: store, vault: vault, catalog: catalog).register(on: api)
        WebhookEndpointRoutes(store: store, vault: vault).register(on: api)
        SetupIntentRoutes(setups: setups, catalog: catalog).register(on: api)
        ReportRoutes(store: store).register(on: api)
        PayoutRoutes(store: store).register(on: api)
        SEPARoutes(intents: intents).register(on: api)
        DisputeRoutes(store: store).register(on: api)
        CashBalanceRoutes(intents: intents).register(on: api)
        let subscriptions = Subscriptions(intents: intents)
        ProductRoutes(store: store, clock: configuration.clock).register(on: api)
        SubscriptionRoutes(subscriptions: subscriptions).register(on: api)
        TestClockRoutes(clocks: TestClocks(subscriptions: subscriptions)).register(on: api)
        return router
    }

    /// Reads a form body (within the size limit) into parameters.
    static func formParams(_ request: Request, context: GatewayContext) async throws -> FormParams {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: context.maxUploadSize)
        } catch {
            throw APIError(status: .contentTooLarge, kind: .invalidRequestError,
                           message: "The request body is larger than \(context.maxUploadSize) bytes.")
        }
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/x-www-form-urlencoded"), buffer.readableBytes > 0 {
            throw APIError.invalidRequest("Request bodies must be application/x-www-form-urlencoded, not \(type.prefix(60)).")
        }
        return try FormParams(body: Array(buffer.readableBytesView))
    }

    /// A runnable application listening on the configured address, with its webhook deliverer.
    public static func application(store: any PaymentStore, configuration: GatewayConfiguration, vault: CardVault, logger: Logger,
                                   onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        var services: [any Service] = []
        if configuration.webhooks.enabled {
            services.append(WebhookDeliverer(store: store, vault: vault, settings: configuration.webhooks, logger: logger))
        }
        if configuration.payouts.enabled { services.append(PayoutScheduler(store: store, settings: configuration.payouts, logger: logger)) }
        let intents = PaymentIntents(store: store, issuer: IssuerSimulator(catalog: .standard), vault: vault, fees: configuration.fees,
                                     clock: configuration.clock)
        services.append(PeriodicPass.bankDebits(intents, logger: logger))
        services.append(PeriodicPass.billing(Subscriptions(intents: intents), logger: logger))
        return Application(
            router: router(store: store, configuration: configuration, vault: vault),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "vtpe-gateway"),
            services: services,
            onServerRunning: onServerRunning,
            logger: logger
        )
    }
}
