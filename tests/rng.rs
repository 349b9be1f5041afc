//! The seeded generator: a fixed stream per seed, sound normal samples, `choice` in range.

use backprop::Rng;

/// Golden values for seed 42 and seed 0. They were computed by an independent Python rendering of
/// SplitMix64 + xoshiro256** (whose SplitMix64 gives the published 0xe220a8397b1dcdaf as its first
/// output for seed 0), not by this crate: a change to the generator or its seeding fails here.
#[test]
fn fixed_seed_gives_the_reference_stream() {
    let mut rng = Rng::new(42);
    let got: Vec<u64> = (0..5).map(|_| rng.next_u64()).collect();
    assert_eq!(
        got,
        [
            0x15780b2e0c2ec716,
            0x6104d9866d113a7e,
            0xae17533239e499a1,
            0xecb8ad4703b360a1,
            0xfde6dc7fe2ec5e64
        ]
    );
    let mut rng = Rng::new(0);
    let got: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
    assert_eq!(
        got,
        [0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, 0x1a5f849d4933e6e0]
    );
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let draw = |seed| {
        let mut rng = Rng::new(seed);
        (0..100).map(|_| rng.normal()).collect::<Vec<f64>>()
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
}

#[test]
fn uniform_floats_lie_in_the_unit_interval() {
    let mut rng = Rng::new(1);
    let xs: Vec<f64> = (0..100_000).map(|_| rng.next_f64()).collect();
    assert!(xs.iter().all(|&x| (0.0..1.0).contains(&x)));
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    assert!((mean - 0.5).abs() < 0.01, "mean of U[0,1) draws is {mean}");
}

#[test]
fn normal_samples_have_mean_zero_and_std_one() {
    let mut rng = Rng::new(2024);
    let n = 200_000;
    let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    assert!(xs.iter().all(|x| x.is_finite()));
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
    // The standard error of the mean is 1/sqrt(n) ≈ 0.0022; allow about 5 of them.
    assert!(mean.abs() < 0.012, "mean {mean}");
    assert!((var.sqrt() - 1.0).abs() < 0.012, "std {}", var.sqrt());
    // A Gaussian puts about 68.27% of its mass within one std.
    let within = xs.iter().filter(|x| x.abs() < 1.0).count() as f64 / n as f64;
    assert!(
        (within - 0.6827).abs() < 0.01,
        "fraction within 1 std: {within}"
    );
}

#[test]
fn choice_stays_in_range_and_covers_it_evenly() {
    let mut rng = Rng::new(3);
    let n = 10;
    let picks = rng.choice(n, 100_000);
    assert_eq!(picks.len(), 100_000);
    let mut counts = [0usize; 10];
    for &i in &picks {
        assert!(i < n, "choice gave {i}, outside 0..{n}");
        counts[i] += 1;
    }
    // Each bucket expects 10,000 with a std of about 95.
    for (i, &c) in counts.iter().enumerate() {
        assert!((9_500..10_500).contains(&c), "index {i} drawn {c} times");
    }
    // With replacement: 100 draws from 60000 may repeat, and always stay below 60000.
    assert!(rng.choice(60_000, 100).iter().all(|&i| i < 60_000));
    assert!(rng.choice(1, 5).iter().all(|&i| i == 0));
}

#[test]
#[should_panic(expected = "empty")]
fn choice_from_nothing_is_a_programmer_error() {
    Rng::new(0).choice(0, 1);
}
